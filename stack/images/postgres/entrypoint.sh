#!/bin/sh
# First start: initdb, the application role and database. Passwords from the environment.
# POSTGRES_EXTRA_DATABASES="name:password ..." adds a role and a database of that name each (the o2o profile:
# OMS's database and Airflow's metadata database); POSTGRES_MAX_CONNECTIONS overrides the small default.
set -eu
: "${POSTGRES_APP_PASSWORD:?}" "${POSTGRES_EXPORTER_PASSWORD:?}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  psql -v ON_ERROR_STOP=1 -U postgres -q <<SQL
CREATE ROLE app LOGIN PASSWORD '${POSTGRES_APP_PASSWORD}';
CREATE DATABASE app OWNER app;
CREATE ROLE exporter LOGIN PASSWORD '${POSTGRES_EXPORTER_PASSWORD}' CONNECTION LIMIT 3;
GRANT pg_monitor TO exporter;
SQL
  for entry in ${POSTGRES_EXTRA_DATABASES:-}; do
    name=${entry%%:*}; password=${entry#*:}
    psql -v ON_ERROR_STOP=1 -U postgres -q -c "CREATE ROLE \"$name\" LOGIN PASSWORD '$password'" \
      -c "CREATE DATABASE \"$name\" OWNER \"$name\""
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c max_connections=${POSTGRES_MAX_CONNECTIONS:-40} -c superuser_reserved_connections=1 \
  -c shared_buffers=32MB -c unix_socket_directories=/run/postgresql
