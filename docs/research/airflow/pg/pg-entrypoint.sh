#!/bin/sh
# Throwaway metadata DB for Airflow: trust auth, db/user "airflow", no durability.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA"
  su postgres -c "initdb -D $PGDATA -U postgres -A trust" >/dev/null
  echo "host all all 0.0.0.0/0 trust" >> "$PGDATA/pg_hba.conf"
  su postgres -c "pg_ctl -D $PGDATA -o '-c listen_addresses=' -w start" >/dev/null
  su postgres -c "psql -q -c 'CREATE ROLE airflow LOGIN' -c 'CREATE DATABASE airflow OWNER airflow'"
  su postgres -c "pg_ctl -D $PGDATA -m fast -w stop" >/dev/null
fi
mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
exec su postgres -c "exec postgres -D $PGDATA -c listen_addresses='*' -c fsync=off -c synchronous_commit=off -c max_connections=100"
