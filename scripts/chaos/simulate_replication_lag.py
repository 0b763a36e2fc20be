#!/usr/bin/env python3
"""Drill (runbook "Debezium/MySQL replication lag"): pause the CDC connector over the Connect REST
API, write N rows into MariaDB, report binlogPositionDelta (SHOW MASTER STATUS minus the connector's
committed offset) and rowCountDelta (rows not yet emitted to the table's topic) as JSON.
--revert resumes the connector and waits until both deltas are back to 0. --dry-run changes
nothing: it prints the connector's state, the current deltas and what it would do.

SQL runs in the stack's mariadb container (docker exec, root over the local socket); the deltas
come from the stack's cdc-exporter (chaos_harness/faults/cdc.py). Only containers of a chaos test stack.

  python scripts/chaos/simulate_replication_lag.py --connect-url http://127.0.0.1:PORT --rows 200
  python scripts/chaos/simulate_replication_lag.py --connect-url http://127.0.0.1:PORT --revert
  python scripts/chaos/simulate_replication_lag.py --dry-run
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root

from chaos_harness.faults import cdc  # noqa: E402
from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.faults.connect import ConnectClient  # noqa: E402
from chaos_harness.errors import ConfigError  # noqa: E402
from chaos_harness.stack import owner_of_url  # noqa: E402


def rows(value: str) -> int:
    n = int(value) if value.isdigit() else -1
    if not 1 <= n <= 1_000_000:
        raise argparse.ArgumentTypeError(f"--rows must be between 1 and 1000000, got {value!r}")
    return n


def table(value: str) -> str:
    try:
        return cdc.table_name(value)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(args):
    url = args.connect_url or discover_url("connect", 8083)
    client = ConnectClient(url)
    client.status(args.connector)                       # unreachable / unknown connector: clear error first
    owner = owner_of_url(url)
    if args.dry_run:
        action = ("PUT /connectors/{c}/resume, wait for deltas 0" if args.revert
                  else "PUT /connectors/{c}/pause, INSERT {n} rows into {t}").format(
                      c=args.connector, n=args.rows, t=args.table)
        report = {"dryRun": True, "wouldDo": action, "table": args.table,
                  "state": cdc.connector_state(client, args.connector), **cdc.deltas(owner, args.table)}
    elif args.revert:
        report = cdc.resume_and_catch_up(owner, client, args.connector, args.table)
    else:
        report = cdc.pause_and_write(owner, client, args.connector, args.rows, args.table)
    return {"drill": "simulate_replication_lag", "revert": args.revert, "connectUrl": url, "stack": owner.project,
            **report, "ok": True}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connect-url", type=base_url, help="Kafka Connect REST URL (default: the running chaos stack)")
    parser.add_argument("--rows", type=rows, default=200, help="rows written while paused (default %(default)s)")
    parser.add_argument("--connector", default="orders-cdc", help="connector name (default %(default)s)")
    parser.add_argument("--table", type=table, default="oltp.orders", help="db.table (default %(default)s)")
    parser.add_argument("--revert", action="store_true", help="resume the connector, wait for deltas 0")
    parser.add_argument("--dry-run", action="store_true", help="change nothing: print state, deltas and the plan")
    sys.exit(run(main, parser))
