#!/usr/bin/env python3
"""Maintenance: offload support attachments older than --age-days from support_attachment_dir to the
archive (cold storage) directory; --dry-run only lists what would move. JSON report on stdout.

  python scripts/maintenance/offload_support_attachments.py --dry-run
  python scripts/maintenance/offload_support_attachments.py --age-days 30 --base-url http://127.0.0.1:8000
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository root


from chaos_harness.cli import base_url, discover_url, run  # noqa: E402
from chaos_harness.drills import offload_support_attachments  # noqa: E402
from chaos_harness.services import SupportClient  # noqa: E402


def age(value):
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"--age-days must be >= 0, got {value}")
    return number


def main(args):
    url = args.base_url or discover_url("support-service")
    return {"baseUrl": url, **offload_support_attachments(SupportClient(url), args.age_days, args.dry_run)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", type=base_url, help="support-service URL (default: the running chaos stack)")
    parser.add_argument("--age-days", type=age, default=30.0, help="move files older than this (default %(default)g)")
    parser.add_argument("--dry-run", action="store_true", help="list what would move; move nothing")
    sys.exit(run(main, parser))
