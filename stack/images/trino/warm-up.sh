#!/bin/bash
# Runs once in the background beside the server (started by the entrypoint): waits until the coordinator has
# started, then runs a scan (SELECT count(*) FROM tpch.tiny.region) until one finishes, and marks the container
# ready (/tmp/trino-ran-a-query, which the healthcheck reads). For a few seconds after /v1/info says
# "starting":false the node manager has not seen the node's own announcement and every scan fails ("nodes is
# empty"); a cold JVM's first scan takes 8-30 s on a loaded 2-core machine. Doing that here, before
# `docker compose up --wait` returns, keeps it out of the scenarios' fault latency. The query is read to its end
# (every nextUri followed): an unread one would hold the resource group's one slot until the client timeout.
set -uo pipefail

http() {   # METHOD PATH [BODY]: the raw HTTP/1.0 answer on stdout
  local body="${3:-}"
  exec 3<>/dev/tcp/127.0.0.1/8080 || return 1
  printf '%s %s HTTP/1.0\r\nX-Trino-User: warm-up\r\nX-Trino-Source: warm-up\r\nContent-Length: %d\r\n\r\n%s' \
    "$1" "$2" "${#body}" "$body" >&3
  cat <&3
  exec 3<&-
}

next_path() {   # the path of the answer's nextUri (empty when the query is over)
  grep -o '"nextUri":"[^"]*"' | sed 's#^"nextUri":"http://[^/]*##; s#"$##'
}

until http GET /v1/info 2>/dev/null | grep -q '"starting":false'; do sleep 0.5; done
while :; do
  answer=$(http POST /v1/statement "SELECT count(*) FROM tpch.tiny.region" 2>/dev/null)
  while path=$(next_path <<<"$answer") && [ -n "$path" ]; do
    answer=$(http GET "$path" 2>/dev/null) || break
  done
  if grep -q '"state":"FINISHED"' <<<"$answer"; then
    touch /tmp/trino-ran-a-query
    exit 0
  fi
  sleep 1
done
