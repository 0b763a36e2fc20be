#!/usr/bin/env python3
"""Drill: lower the default TTL of the inventory reservations table in Cassandra (oversell risk), or
restore it. TTLs are production seconds; a time-compressed test stack applies them divided by its
factor (60 s -> 2 s at factor 30). The lowered TTL stays until --revert (it is in the fault ledger:
`make cleanup` restores it too). JSON report on stdout.

  python scripts/chaos/simulate_ttl_oversell.py --keyspace inventory --table reservations --ttl 60
  python scripts/chaos/simulate_ttl_oversell.py --keyspace inventory --table reservations --revert --previous-ttl 900
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root


from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import ttl_oversell  # noqa: E402
from chaos_harness.ledger import Ledger  # noqa: E402
from chaos_harness.services import metric_value  # noqa: E402
from chaos_harness.stack import owner_of_url  # noqa: E402


def positive_seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seconds value: {text!r} (a whole number > 0)") from None
    if not 0 < value <= 630_720_000:
        raise argparse.ArgumentTypeError(f"seconds must be between 1 and 630720000 (20 years), got {value}")
    return value


def main(args):
    from chaos_harness.observe.http import JsonService
    url = args.base_url or discover_url("inventory-service")
    owner = owner_of_url(url)        # only a chaos stack's containers are touched
    inventory = JsonService("inventory-service", url)
    expired_before = metric_value(inventory.request("GET", "/metrics").text, "inventory_reservation_expired_total")
    report = ttl_oversell(owner, Ledger.default(), args.keyspace, args.table, args.ttl, revert=args.revert,
                          previous_ttl=args.previous_ttl, dry_run=args.dry_run)
    return {"baseUrl": url, **report, "reservationsExpiredTotal": expired_before}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", type=base_url, help="inventory-service URL (default: the running chaos stack)")
    parser.add_argument("--keyspace", default="inventory", help="keyspace (default %(default)s)")
    parser.add_argument("--table", default="reservations", help="table (default %(default)s)")
    parser.add_argument("--ttl", type=positive_seconds, help="the lowered default_time_to_live, production seconds")
    parser.add_argument("--revert", action="store_true", help="restore the TTL instead of lowering it")
    parser.add_argument("--previous-ttl", type=positive_seconds,
                        help="with --revert: the TTL to restore, production seconds (default: what the drill recorded)")
    parser.add_argument("--dry-run", action="store_true", help="print what would be done, change nothing")
    args = parser.parse_args()
    if not args.revert and args.ttl is None:
        parser.error("--ttl SECONDS is required (or --revert [--previous-ttl SECONDS])")
    if args.previous_ttl is not None and not args.revert:
        parser.error("--previous-ttl only goes with --revert")
    sys.exit(run(main, parser, sys.argv[1:]))
