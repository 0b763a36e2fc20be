#!/usr/bin/env python3
"""Drills of the O2O order monitoring guide (seed 003, Step 8) against the chaos stack's OMS (profile o2o):

  seed           place N orders (POST /api/v1/seed-mock-data?count=N, with the x-api-key)
  pause-seeding  pause the order feed: no new order reaches OMS; NoNewOrders fires after 10 minutes (compressed)
  force-fail     the payment service answers 503: OMS fails every new order; TooManyFailures fires

A fault stays until --revert (it is in the fault ledger, so `make cleanup` reverts it too). --dry-run changes
nothing: it prints OMS's recent window and the plan. JSON report on stdout. OMS_API_KEY from the environment
(else the test stack's key). Only a chaos test stack.

  python scripts/chaos/simulate_o2o_orders.py seed --count 10
  python scripts/chaos/simulate_o2o_orders.py pause-seeding            (and again with --revert)
  python scripts/chaos/simulate_o2o_orders.py force-fail --revert
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root

from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import O2O_ACTIONS, o2o_orders  # noqa: E402
from chaos_harness.ledger import Ledger  # noqa: E402
from chaos_harness.stack import owner_of_url  # noqa: E402


def count(value: str) -> int:
    n = int(value) if value.isdigit() else -1
    if not 1 <= n <= 1000:
        raise argparse.ArgumentTypeError(f"--count must be between 1 and 1000 (OMS's limit), got {value!r}")
    return n


def main(args):
    url = args.oms_url or discover_url("oms", 3001)
    owner = owner_of_url(url)        # only a chaos stack's containers are touched
    return {"omsUrl": url, **o2o_orders(owner, Ledger.default(), args.action, count=args.count, revert=args.revert,
                                        dry_run=args.dry_run)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=O2O_ACTIONS, help="the drill")
    parser.add_argument("--oms-url", type=base_url, help="OMS URL (default: the running chaos stack's)")
    parser.add_argument("--count", type=count, default=10, help="orders to seed (default %(default)s)")
    parser.add_argument("--revert", action="store_true", help="undo pause-seeding / force-fail")
    parser.add_argument("--dry-run", action="store_true", help="change nothing: print OMS's recent window and the plan")
    sys.exit(run(main, parser))
