#!/usr/bin/env python3
"""A minimal cqlsh stand-in for drills and the runbook: `cqlsh [HOST] -e "STATEMENT"`.

Runs one CQL statement with Debian's python3-cassandra driver and prints the rows (one per line,
columns separated by ' | '; DESCRIBE prints the CREATE statement). Cassandra 5 answers DESCRIBE server-side. Exit 0 ok, 1 on a CQL error, 2 usage.
Credentials (when the cluster has authentication): CQLSH_USER / CQLSH_PASSWORD from the environment.
"""
import argparse
import os
import sys
import warnings

warnings.filterwarnings("ignore")


def main() -> int:
    parser = argparse.ArgumentParser(prog="cqlsh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("host", nargs="?", default="127.0.0.1")
    parser.add_argument("port", nargs="?", type=int, default=9042)
    parser.add_argument("-e", "--execute", required=True, help="the CQL statement to run")
    parser.add_argument("--request-timeout", type=float, default=10.0)
    args = parser.parse_args()

    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    from cassandra.policies import WhiteListRoundRobinPolicy

    auth = None
    if os.environ.get("CQLSH_USER"):
        auth = PlainTextAuthProvider(os.environ["CQLSH_USER"], os.environ.get("CQLSH_PASSWORD", ""))
    cluster = Cluster([args.host], port=args.port, auth_provider=auth, protocol_version=5,
                      load_balancing_policy=WhiteListRoundRobinPolicy([args.host]), connect_timeout=10,
                      # the driver's control connection reads system tables within 2 s by default: on a loaded
                      # machine (two stacks on 2 cores) that gave "Unable to connect to any servers"
                      control_connection_timeout=10)
    try:
        session = cluster.connect()
        rows = session.execute(args.execute.rstrip().rstrip(";"), timeout=args.request_timeout)
        for row in rows:
            fields = row._asdict() if hasattr(row, "_asdict") else {"value": row}
            if "create_statement" in fields:          # DESCRIBE: the statement itself, like cqlsh
                print(fields["create_statement"])
            else:
                print(" | ".join(map(str, fields.values())))
    except Exception as exc:  # noqa: BLE001 - one clear line, like cqlsh
        print(f"cqlsh: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
