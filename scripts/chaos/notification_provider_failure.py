#!/usr/bin/env python3
"""Drill: create --count notifications, make the provider fail exactly those, send them.

The notification provider (notification-service's delivery gateway) is told to reject these
notifications (its failure list, POST /admin/fail on the provider); notification-service sends them,
gets the provider's error answers and counts them itself: notification_failure_total rises by
--count. The provider stops rejecting them when the drill ends. JSON report on stdout.

  python scripts/chaos/notification_provider_failure.py --base-url http://127.0.0.1:8000 --count 10

--provider-url defaults to the notification-provider of the chaos stack that publishes --base-url.
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root


from chaos_harness.catalog import NOTIFICATION_PROVIDER  # noqa: E402
from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import notification_provider_failure  # noqa: E402
from chaos_harness.errors import ConfigError  # noqa: E402
from chaos_harness.services import NotificationClient, ProviderClient  # noqa: E402


def positive(value):
    number = int(value)
    if not 1 <= number <= 10000:
        raise argparse.ArgumentTypeError(f"--count must be between 1 and 10000, got {number}")
    return number


def provider_of(url: str) -> str:
    """The notification-provider next to the notification-service at `url` (same chaos stack)."""
    from chaos_harness.stack import owner_of_url
    try:
        return NOTIFICATION_PROVIDER.url(owner_of_url(url))
    except ConfigError as exc:
        raise ConfigError(f"{exc}; pass --provider-url") from None


def main(args):
    url = args.base_url or discover_url("notification-service")
    client = NotificationClient(url)
    client.health()   # an unreachable notification-service is the first thing to report
    provider = ProviderClient(args.provider_url or provider_of(url))
    return {"baseUrl": url, **notification_provider_failure(client, provider, args.count)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", type=base_url, help="notification-service URL (default: the running chaos stack)")
    parser.add_argument("--count", type=positive, default=10, help="notifications to fail (default %(default)s)")
    parser.add_argument("--provider-url", type=base_url,
                        help="notification-provider URL (default: the one in --base-url's chaos stack)")
    sys.exit(run(main, parser))
