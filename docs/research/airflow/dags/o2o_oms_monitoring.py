import os, time, logging
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.python import PythonOperator

PERIOD = int(os.environ.get("O2O_PERIOD_SEC", "10"))
log = logging.getLogger(__name__)

def step(name):
    def _run(**_):
        t0 = time.time()
        time.sleep(0.1)
        log.info("o2o %s start=%.3f end=%.3f", name, t0, time.time())
    return _run

with DAG(
    dag_id="o2o_oms_monitoring",
    schedule=timedelta(seconds=PERIOD),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    default_args={"retries": 0},
) as dag:
    fetch = PythonOperator(task_id="fetch", python_callable=step("fetch"))
    load = PythonOperator(task_id="load", python_callable=step("load"))
    push = PythonOperator(task_id="push", python_callable=step("push"))
    fetch >> load >> push
