#!/bin/sh
# Airflow scheduler container: wait (bounded) for the metadata database, migrate it, exec the scheduler.
#   AIRFLOW__DATABASE__SQL_ALCHEMY_CONN  the metadata database (postgresql+psycopg2://...), required
#   AIRFLOW_DB_WAIT_SECONDS              how long to wait for it (default 60), then exit 1
# Any other command given to the container runs instead (e.g. `airflow dags list`, `bash`).
set -eu

if [ "$#" -gt 0 ] && [ "$1" != "scheduler" ]; then
  exec "$@"
fi

case "${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-}" in
  postgresql*) ;;
  "") echo "airflow-entrypoint: AIRFLOW__DATABASE__SQL_ALCHEMY_CONN is not set" >&2; exit 1 ;;
  *) echo "airflow-entrypoint: expected a PostgreSQL metadata database (LocalExecutor)" >&2; exit 1 ;;
esac

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) airflow-entrypoint: $*"; }
ms() { date +%s%3N; }

wait_seconds=${AIRFLOW_DB_WAIT_SECONDS:-60}
started=$(ms)
log "waiting up to ${wait_seconds}s for the metadata database"
# psycopg2 directly, one try a second: `airflow db check --retry` does the same after ~1.5 s of imports
if ! python3 - "$wait_seconds" <<'PY'
import os, sys, time
import psycopg2
from sqlalchemy.engine import make_url

url = make_url(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
deadline = time.monotonic() + float(sys.argv[1])
while True:
    try:
        psycopg2.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                         dbname=url.database, connect_timeout=3).close()
        break
    except psycopg2.OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"last error: {str(exc).strip()[:300]}")
        time.sleep(1)
PY
then
  log "the metadata database did not answer within ${wait_seconds}s" >&2
  exit 1
fi
log "database reachable after $(( $(ms) - started )) ms"

started=$(ms)
airflow db migrate
log "db migrate took $(( $(ms) - started )) ms"

port=${AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT:-8974}
log "starting the scheduler (LocalExecutor, health check on :$port/health)"
# no log-serving sub-process: there is no webserver to read task logs over HTTP
exec airflow scheduler --skip-serve-logs
