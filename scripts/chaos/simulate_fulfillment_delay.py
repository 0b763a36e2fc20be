#!/usr/bin/env python3
"""Drill: a fulfillment artifacts backlog held in MinIO (runbook "Fulfillment artifacts backlog (MinIO hold)").

Writes --count shipping labels under --prefix (default chaos/fulfillment-delay/) in the bucket
fulfillment-artifacts with a `hold-until` metadata key --hold-minutes (production minutes) ahead:
fulfillment-service's label worker holds them and fulfillment_lag_minutes (the age of the oldest
waiting label) grows with their real age; FulfillmentDelay fires once they have waited 10 minutes
(+ 5 minutes `for`), so a hold shorter than that never fires it. With --support-ticket-id the labels belong to that ticket's order and its timeline is
probed (POST /support/cases/{id}/timeline/refresh): it must show no fulfillment event since the hold.
--revert removes exactly what the drill wrote (and, with a ticket, refreshes its timeline until it
shows fresh fulfillment events); --dry-run lists up to --count objects under --prefix, writes nothing.
JSON report on stdout: sample objects, total bytes, the stack (compose project, services), the
service's backlog gauges and the support probe.

  make chaos-fulfillment-delay ARGS="--count 25 --hold-minutes 30 --support-ticket-id 7"
  make chaos-fulfillment-delay ARGS="--revert --support-ticket-id 7"
  make chaos-fulfillment-delay ARGS="--dry-run --prefix pending/ --count 5"

Environment (safe test defaults; the drill only touches a chaos test stack):
  MINIO_ENDPOINT (host:port; default: the running chaos stack's minio), MINIO_ROOT_USER,
  MINIO_ROOT_PASSWORD, FULFILLMENT_BASE_URL, SUPPORT_BASE_URL.
The hold is recorded in the fault ledger (reports/ledger.jsonl): `make cleanup` removes a
forgotten drill backlog; --revert marks it reverted.
Exit 0 ok, 1 a check failed or a service is unreachable, 2 bad usage.
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root


from chaos_harness.cli import run  # noqa: E402
from chaos_harness.faults.fulfillment import (DRILL_PREFIX, Endpoints, FulfillmentArtifactsHeld, FulfillmentService,  # noqa: E402
                                 dry_run, revert_fulfillment_delay, simulate_fulfillment_delay, ticket_order)
from chaos_harness.ledger import Ledger  # noqa: E402
from chaos_harness.services import SupportClient  # noqa: E402


def count(value):
    number = int(value)
    if not 1 <= number <= 10000:
        raise argparse.ArgumentTypeError(f"--count must be between 1 and 10000, got {number}")
    return number


def minutes(value):
    number = float(value)
    if not 0 < number <= 7 * 24 * 60:
        raise argparse.ArgumentTypeError(f"--hold-minutes must be > 0 and at most a week (10080), got {value}")
    return number


def prefix(value):
    if not value or value.startswith("/") or not value.endswith("/") or ".." in value.split("/"):
        raise argparse.ArgumentTypeError(f"--prefix must be a relative folder ending in '/', got {value!r}")
    return value


def ticket(value):
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"--support-ticket-id must be a positive ticket id, got {value}")
    return number


def main(args):
    ep = Endpoints.from_environment()
    ledger = Ledger.default()
    fault = FulfillmentArtifactsHeld(count=args.count, hold_minutes=args.hold_minutes, prefix=args.prefix)
    mode = "dry-run" if args.dry_run else "revert" if args.revert else "hold"
    if args.dry_run:
        report = dry_run(ep, count=args.count, hold_minutes=args.hold_minutes, prefix=args.prefix)
    elif args.revert:
        report = revert_fulfillment_delay(ep, prefix=args.prefix, ticket_id=args.support_ticket_id)
        for entry in ledger.open_faults():
            if entry.project == ep.owner.project and entry.fault.get("kind") == fault.kind \
                    and entry.fault.get("prefix") == args.prefix:
                ledger.fault_reverted(entry.id, by="simulate_fulfillment_delay --revert")
    else:
        if args.support_ticket_id is not None:   # bad input fails before the ledger says anything was held
            ticket_order(SupportClient(ep.support), args.support_ticket_id)
        ledger.fault_injecting(ep.owner.project, fault.describe())   # before acting: cleanup can undo it
        report = simulate_fulfillment_delay(ep, count=args.count, hold_minutes=args.hold_minutes,
                                            prefix=args.prefix, ticket_id=args.support_ticket_id)
    return {"drill": "simulate_fulfillment_delay", "mode": mode, "bucket": "fulfillment-artifacts",
            "prefix": args.prefix, "minioEndpoint": ep.minio,
            "compose": {"project": ep.owner.project, "services": ep.owner.services()},
            **report, "backlog": FulfillmentService(ep.fulfillment).backlog()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=count, default=25, help="labels to hold (dry-run: objects to list; default %(default)s)")
    parser.add_argument("--hold-minutes", type=minutes, default=30.0,
                        help="how long the labels are held, production minutes (default %(default)g)")
    parser.add_argument("--support-ticket-id", type=ticket,
                        help="hold this ticket's order's labels and probe its timeline (revert: refresh it)")
    parser.add_argument("--prefix", type=prefix, default=DRILL_PREFIX, help="bucket folder (default %(default)s)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="list objects under --prefix; write nothing")
    mode.add_argument("--revert", action="store_true", help="remove what the drill wrote; refresh the ticket's timeline")
    sys.exit(run(main, parser))
