#!/usr/bin/env python3
"""Drill (runbook "Trino query backlog grows"): submit N heavy queries (full scans of tpch.sf1.lineitem) whose
results nobody reads, more than the coordinator's resource group runs at once, so the rest wait in the queue
(trino_execution_queuedqueries rises). The backlog stays until --revert, which kills the drill's queries as the
runbook says (PUT /v1/query/{queryId}/killed); it is in the fault ledger, so `make cleanup` kills them too.
--dry-run changes nothing: it prints the drill's queries now and what it would do. JSON report on stdout.
Only a chaos test stack's coordinator.

  python scripts/chaos/simulate_trino_backlog.py --queries 8
  python scripts/chaos/simulate_trino_backlog.py --trino-url http://127.0.0.1:PORT --revert
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root

from chaos_harness.catalog import TrinoClient  # noqa: E402
from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import trino_backlog  # noqa: E402
from chaos_harness.ledger import Ledger  # noqa: E402
from chaos_harness.stack import owner_of_url  # noqa: E402


def queries(value: str) -> int:
    n = int(value) if value.isdigit() else -1
    if not 2 <= n <= 50:
        raise argparse.ArgumentTypeError(f"--queries must be between 2 and 50 (the queue holds 50), got {value!r}")
    return n


def main(args):
    url = args.trino_url or discover_url("trino", 8080)
    owner = owner_of_url(url)        # only a chaos stack's coordinator is touched
    report = trino_backlog(owner, Ledger.default(), TrinoClient(url), args.queries, revert=args.revert,
                           dry_run=args.dry_run)
    return {"trinoUrl": url, **report}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trino-url", type=base_url, help="Trino coordinator URL (default: the running chaos stack)")
    parser.add_argument("--queries", type=queries, default=8, help="heavy queries to submit (default %(default)s)")
    parser.add_argument("--revert", action="store_true", help="kill the drill's queries instead")
    parser.add_argument("--dry-run", action="store_true", help="change nothing: print the drill's queries and the plan")
    sys.exit(run(main, parser))
