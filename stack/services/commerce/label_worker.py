"""fulfillment-service's label worker: its own process, started (and restarted when it exits) by the web
process (commerce/artifacts.py: WorkerProcess). Every FULFILLMENT_WORKER_INTERVAL_SECONDS (0.5) it moves
the waiting labels of bucket FULFILLMENT_ARTIFACTS_BUCKET to ready/ and records its counters in
<FULFILLMENT_WORKER_STATE_DIR>/label-worker.json for the web process' /metrics.

    python3 -m commerce.label_worker
"""
from __future__ import annotations

import os
import sys

from commerce.artifacts import LabelWorker, state_dir, store_from_environment
from common.service import structured_logger


def main() -> int:
    log = structured_logger("fulfillment-label-worker")
    store = store_from_environment(log)
    if store is None:
        print("FULFILLMENT_ARTIFACTS_ENDPOINT is not set: no bucket to work on", file=sys.stderr)
        return 2
    LabelWorker(store, state_dir(), log).run(float(os.environ.get("FULFILLMENT_WORKER_INTERVAL_SECONDS", "0.5")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
