#!/usr/bin/env python3
"""Synthetic probe of the support timeline: create a test ticket, time its timeline cold, warm
(cache) and after a refresh, and the attachment listing; JSON report on stdout.

  python scripts/synthetic/support_timeline_probe.py --base-url http://127.0.0.1:8000
Exit 0 when every check passed, 1 when one failed or the service is unreachable, 2 on bad usage.
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root


from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import support_timeline_probe  # noqa: E402
from chaos_harness.services import SupportClient  # noqa: E402


def main(args):
    url = args.base_url or discover_url("support-service")
    return {"baseUrl": url, **support_timeline_probe(SupportClient(url), latency_budget_ms=args.budget_ms)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", type=base_url, help="support-service URL (default: the running chaos stack)")
    parser.add_argument("--budget-ms", type=float, default=2000.0, help="cold timeline budget (default %(default)g)")
    sys.exit(run(main, parser))
