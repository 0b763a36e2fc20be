#!/usr/bin/env python3
"""Drill (runbook "Flink job keeps restarting"): change the type of `amount` in oltp.orders (DECIMAL(10,2) ->
VARCHAR(32)) and write an order. Debezium sends that amount as text, the Flink orders job's mapping cannot map it,
and the job restarts again and again (flink_jobmanager_job_numRestarts rises). The change stays until --revert,
which restores the column and redeploys the job as it was (strict mapping, past the drill's event); it is in the
fault ledger, so `make cleanup` reverts it too. --dry-run changes nothing: it prints the column, the job and the
plan. JSON report on stdout. Only a chaos test stack (profiles cdc and flink).

  python scripts/chaos/simulate_flink_schema_change.py
  python scripts/chaos/simulate_flink_schema_change.py --revert
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root

from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import flink_schema_change  # noqa: E402
from chaos_harness.ledger import Ledger  # noqa: E402
from chaos_harness.stack import owner_of_url  # noqa: E402


def main(args):
    url = args.flink_url or discover_url("flink-jobmanager", 8081)
    owner = owner_of_url(url)        # only a chaos stack's containers are touched
    return {"flinkUrl": url, **flink_schema_change(owner, Ledger.default(), revert=args.revert, dry_run=args.dry_run)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flink-url", type=base_url, help="Flink REST URL (default: the running chaos stack)")
    parser.add_argument("--revert", action="store_true", help="restore the column and redeploy the job instead")
    parser.add_argument("--dry-run", action="store_true", help="change nothing: print the column, the job, the plan")
    sys.exit(run(main, parser))
