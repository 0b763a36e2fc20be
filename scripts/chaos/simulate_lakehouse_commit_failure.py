#!/usr/bin/env python3
"""Drill (runbook "Paimon / Nessie cannot commit"): freeze MinIO, the lakehouse's storage (`docker pause`), and
write an order. The Flink orders job's Paimon sink cannot write its data files: every checkpoint (each one a Paimon
commit) expires, nothing reaches lakehouse.orders, and PaimonCommitFailing fires. The freeze stays until --revert,
which unpauses MinIO and waits until the order written meanwhile is committed (read back from the lakehouse
reader); it is in the fault ledger, so `make cleanup` reverts it too. --dry-run changes nothing: it prints MinIO's
state and the plan. JSON report on stdout. Only a chaos test stack (profiles cdc and flink).

  python scripts/chaos/simulate_lakehouse_commit_failure.py
  python scripts/chaos/simulate_lakehouse_commit_failure.py --revert
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root

from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import lakehouse_commit_failure  # noqa: E402
from chaos_harness.ledger import Ledger  # noqa: E402
from chaos_harness.stack import owner_of_url  # noqa: E402


def main(args):
    url = args.flink_url or discover_url("flink-jobmanager", 8081)
    owner = owner_of_url(url)        # only a chaos stack's containers are touched
    return {"flinkUrl": url, **lakehouse_commit_failure(owner, Ledger.default(), revert=args.revert,
                                                        dry_run=args.dry_run)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flink-url", type=base_url, help="Flink REST URL (default: the running chaos stack)")
    parser.add_argument("--revert", action="store_true", help="unpause MinIO and wait for the commit instead")
    parser.add_argument("--dry-run", action="store_true", help="change nothing: print MinIO's state and the plan")
    sys.exit(run(main, parser))
