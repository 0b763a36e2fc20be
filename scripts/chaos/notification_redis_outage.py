#!/usr/bin/env python3
"""Drill: pause the Redis container of the stack serving --base-url, send a batch of notifications,
wait for notification_rate_limit_errors_total to grow, bring Redis back and confirm recovery.
The pause is written to the fault ledger first and rolled back however the drill ends
(`make cleanup` repairs a killed run). JSON report on stdout.

  python scripts/chaos/notification_redis_outage.py --base-url http://127.0.0.1:8000
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root


from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import notification_redis_outage  # noqa: E402
from chaos_harness.faults import Nemesis  # noqa: E402
from chaos_harness.ledger import Ledger  # noqa: E402
from chaos_harness.services import NotificationClient  # noqa: E402
from chaos_harness.stack import owner_of_url  # noqa: E402


def main(args):
    url = args.base_url or discover_url("notification-service")
    owner = owner_of_url(url)
    report = notification_redis_outage(NotificationClient(url), Nemesis(owner, Ledger.default()),
                                       batch=args.batch)
    return {"baseUrl": url, "stack": owner.project, **report}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", type=base_url, help="notification-service URL (default: the running chaos stack)")
    parser.add_argument("--batch", type=int, default=20, help="notifications sent while Redis is down (default %(default)s)")
    sys.exit(run(main, parser))
