#!/usr/bin/env python3
"""Synthetic probe of notification-service: create and send one notification, check that
notification_sent_total and notification_send_latency_seconds_count moved; JSON report on stdout.

  python scripts/synthetic/notification_probe.py --base-url http://127.0.0.1:8000
Exit 0 when every check passed, 1 when one failed or the service is unreachable, 2 on bad usage.
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root


from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import notification_probe  # noqa: E402
from chaos_harness.services import NotificationClient  # noqa: E402


def main(args):
    url = args.base_url or discover_url("notification-service")
    return {"baseUrl": url, **notification_probe(NotificationClient(url))}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", type=base_url, help="notification-service URL (default: the running chaos stack)")
    sys.exit(run(main, parser))
