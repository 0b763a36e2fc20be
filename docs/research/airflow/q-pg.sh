#!/bin/sh
# q-pg.sh <outprefix> : dump dag_run and task_instance from the Postgres metadata DB (UTC)
P=$1; Q="docker exec -e PGTZ=UTC af-pg psql -h 127.0.0.1 -U airflow -d airflow -At -F|"
$Q -c "select run_id,run_type,state,queued_at,start_date,end_date from dag_run where dag_id='o2o_oms_monitoring'" > $P-dagrun.csv
$Q -c "select run_id,task_id,state,queued_dttm,start_date,end_date from task_instance where dag_id='o2o_oms_monitoring'" > $P-ti.csv
