#!/bin/sh
# run-local.sh <period_sec> : Postgres container + Airflow scheduler-only (LocalExecutor, no webserver)
set -e
cd "$(dirname "$0")"
PERIOD=${1:-10}
docker network create af-net >/dev/null 2>&1 || true
docker rm -f af-pg af-local >/dev/null 2>&1 || true
docker run -d --name af-pg --network af-net scratch/airflow-pg:15 >/dev/null
until docker exec af-pg pg_isready -h 127.0.0.1 -q; do sleep 0.5; done
docker run -d --name af-local --network af-net --env-file airflow.env -e O2O_PERIOD_SEC=$PERIOD \
  -e AIRFLOW__CORE__EXECUTOR=LocalExecutor -e AIRFLOW__CORE__PARALLELISM=4 \
  -e AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg2://airflow@af-pg:5432/airflow \
  -v "$PWD/dags:/opt/airflow/dags:ro" scratch/airflow:2.10.5 scheduler
