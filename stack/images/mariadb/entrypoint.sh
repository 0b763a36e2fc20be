#!/bin/sh
# First start: create the data dir, the application schema and users. Passwords come from the
# environment (safe test defaults in docker-compose.test.yml); nothing secret is in the image.
set -eu
: "${MARIADB_APP_PASSWORD:?}" "${MARIADB_EXPORTER_PASSWORD:?}" "${MARIADB_CDC_PASSWORD:?}"
if [ ! -f /var/lib/mysql/.chaos-initialised ]; then
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
  mariadbd --user=mysql --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  for _ in $(seq 1 60); do mariadb-admin --socket=/run/mysqld/init.sock -uroot ping >/dev/null 2>&1 && break; sleep 0.5; done
  mariadb --socket=/run/mysqld/init.sock -uroot <<SQL
CREATE DATABASE IF NOT EXISTS oltp;
CREATE TABLE oltp.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id VARCHAR(64) NOT NULL,
  status VARCHAR(32) NOT NULL, amount DECIMAL(10,2) NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
CREATE USER 'app'@'%' IDENTIFIED BY '${MARIADB_APP_PASSWORD}';
GRANT SELECT, INSERT, UPDATE, DELETE, ALTER ON oltp.* TO 'app'@'%';
CREATE USER 'exporter'@'%' IDENTIFIED BY '${MARIADB_EXPORTER_PASSWORD}' WITH MAX_USER_CONNECTIONS 3;
GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO 'exporter'@'%';
CREATE USER 'cdc'@'%' IDENTIFIED BY '${MARIADB_CDC_PASSWORD}';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO 'cdc'@'%';
FLUSH PRIVILEGES;
SQL
  kill "$pid"; wait "$pid" || true
  touch /var/lib/mysql/.chaos-initialised
fi
exec mariadbd --user=mysql
