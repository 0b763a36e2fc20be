#!/usr/bin/env python3
"""Drill: create --count notifications and force the provider to fail them (/notifications/{id}/fail);
notification_failure_total rises by --count. JSON report on stdout.

  python scripts/chaos/notification_provider_failure.py --base-url http://127.0.0.1:8000 --count 10
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root


from harness.cli import base_url, discover_url, run  # noqa: E402
from harness.drills import notification_provider_failure  # noqa: E402
from harness.services import NotificationClient  # noqa: E402


def positive(value):
    number = int(value)
    if not 1 <= number <= 10000:
        raise argparse.ArgumentTypeError(f"--count must be between 1 and 10000, got {number}")
    return number


def main(args):
    url = args.base_url or discover_url("notification-service")
    return {"baseUrl": url, **notification_provider_failure(NotificationClient(url), args.count)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", type=base_url, help="notification-service URL (default: the running chaos stack)")
    parser.add_argument("--count", type=positive, default=10, help="notifications to fail (default %(default)s)")
    sys.exit(run(main, parser))
