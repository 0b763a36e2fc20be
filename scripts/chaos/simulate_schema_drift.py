#!/usr/bin/env python3
"""Drill (runbook "Schema drift"): add a column the CDC schema contract does not know
(ALTER TABLE ... ADD COLUMN IF NOT EXISTS), --revert drops it (DROP COLUMN IF EXISTS). JSON report
with the table's columns and the drift the stack's cdc-exporter sees (what SchemaDriftDetected reads).
SQL runs in the stack's mariadb container (docker exec, root over the local socket).

  python scripts/chaos/simulate_schema_drift.py --table oltp.orders --column unexpected_field [--revert] [--dry-run]
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


def identifier(check):
    def parse(value: str) -> str:
        try:
            return check(value)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def main(args):
    url = args.connect_url or discover_url("connect", 8083)
    ConnectClient(url).status("orders-cdc")
    owner = owner_of_url(url)
    if args.dry_run:
        verb = "DROP COLUMN IF EXISTS" if args.revert else "ADD COLUMN IF NOT EXISTS"
        report = {"dryRun": True, "wouldDo": f"ALTER TABLE {args.table} {verb} {args.column}",
                  "table": args.table, "column": args.column, "columns": cdc.columns(owner, args.table)}
    else:
        report = (cdc.drop_column if args.revert else cdc.add_column)(owner, args.table, args.column)
    return {"drill": "simulate_schema_drift", "revert": args.revert, "stack": owner.project, **report,
            "drift": cdc.drift(owner, args.table), "ok": True}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", type=identifier(cdc.table_name), required=True, help="db.table, e.g. oltp.orders")
    parser.add_argument("--column", type=identifier(cdc.column_name), required=True, help="the unexpected column")
    parser.add_argument("--connect-url", type=base_url, help="Kafka Connect REST URL of the stack (default: the running chaos stack)")
    parser.add_argument("--revert", action="store_true", help="drop the column again")
    parser.add_argument("--dry-run", action="store_true", help="change nothing: print the columns, drift and the plan")
    sys.exit(run(main, parser))
