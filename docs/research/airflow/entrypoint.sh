#!/bin/sh
# Usage: entrypoint.sh standalone | scheduler | <any airflow cmd>
set -e
if [ "$1" = "scheduler" ]; then
  airflow db migrate >/tmp/db-migrate.log 2>&1 || { cat /tmp/db-migrate.log; exit 1; }
  exec airflow scheduler
fi
exec airflow "$@"
