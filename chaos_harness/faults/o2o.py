"""The O2O order monitoring of seed 003: OMS, its order feed and the Airflow DAG o2o_oms_monitoring that ingests
OMS's recent orders into the warehouse and pushes the o2o_* metrics to the Pushgateway.

Its drills use faults of other domains (the feed's container paused, the payment service failing), so this
module defines no fault kind: it holds the pipeline's timing, which the O2O scenarios' signal delays are made of,
and the drills' shared pieces. Timings: production values of the services (compressed by the run's factor the
way the services compress them) and the measured latency of one DAG run (real time).
"""
from __future__ import annotations

from chaos_harness import signals
from chaos_harness.catalog import O2O_ORDER_FEED, PAYMENT_SERVICE
from chaos_harness.faults.apps import DownstreamFault
from chaos_harness.faults.containers import ContainerPaused

FEED_PERIOD = 30.0          # the feed places an order every 30 s (O2O_FEED_ORDERS_PER_MINUTE 2), production
ADVANCE_PERIOD = 30.0       # OMS's auto-advance cron, production (seed 003: "Auto-advance cron 30s")
DAG_PERIOD = 60.0           # the DAG's schedule, production (seed 003: every minute)
# One DAG run, from the end of its interval to the push of its last task (the scheduler starts a run ~1.5 s after
# its interval ends; fetch_recent -> load_fact -> push_metrics, LocalExecutor, ~0.3 s a task), real time: pushes
# came 2.0-3.8 s apart at a 2 s period on the 2-core machine (stack/images/airflow/README.md), so a run adds at
# most ~1.8 s to the period. Under `make test`'s load (load average ~11) NoNewOrders fired 49.1 s after the pause
# (the .ci/run of 881988e), i.e. about 4.6 s a run. In the serial .ci/run of 358b855 (the O2O tests last, beside the
# data platform's idle JVMs) TooManyFailures went pending ~23.5 s after the fault and fired at 44.07 s against a
# bound of 43.5 s with 8 s a run: ~9-10 s a run there. 12 s leaves room above the worst seen.
DAG_RUN_SECONDS = 12.0

FEED_PAUSED = ContainerPaused(O2O_ORDER_FEED.name)
PAYMENTS_FAILING = DownstreamFault(PAYMENT_SERVICE.name, status=503)


def dag_cycle(what: str) -> signals.SignalDelay:
    """Until a change in OMS is in the pushed metrics: a run in progress (it may have fetched before the change),
    the period, the next run (signals.scheduled_run)."""
    return signals.scheduled_run(DAG_PERIOD, DAG_RUN_SECONDS, what)


def next_order() -> signals.SignalDelay:
    return signals.production_time(FEED_PERIOD, "the feed's next order")


def advance_tick() -> signals.SignalDelay:
    return signals.production_time(ADVANCE_PERIOD, "OMS's auto-advance tick")


FAULTS = ()   # the kinds this module defines (chaos_harness.faults.kinds): none, see above
