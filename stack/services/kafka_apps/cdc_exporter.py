"""CDC health exporter: how far the Debezium connector is behind MariaDB, and schema drift.

Read on every scrape, from the source of truth on both sides (nothing is taken from the connector's
own metrics, which stop moving or keep moving for the wrong reasons while a task is paused):

  cdc_binlog_position_delta_bytes{connector}
      bytes of binlog between the server's write position (SHOW MASTER STATUS, SHOW BINARY LOGS
      across a file rotation) and the connector's committed source offset (Connect REST
      GET /connectors/{name}/offsets: {"file", "pos", "event", "row"}); 0 when everything written
      has been delivered to Kafka and committed. Debezium's offset is a restart point: `pos` is the
      start of the transaction it is in, `event`/`row` what of it was already delivered. So the
      connector's position is `pos` moved past binlog header events and, when `event`/`row` say it
      is inside a transaction, past that transaction (SHOW BINLOG EVENTS): precise to one
      transaction, and 0 for an idle connector that has delivered everything.
  cdc_row_count_delta{connector,table}
      rows of the table whose primary key `id` is above the last `id` the connector emitted to the
      table's topic (<prefix>.<db>.<table>, its last record read at the topic end): rows written
      and not yet delivered.
  cdc_schema_drift_columns{table}
      columns that differ from the table's schema contract (CDC_SCHEMA_CONTRACT: unexpected plus
      missing ones), read from information_schema.COLUMNS. A producer adding a column without a
      contract change shows here before any consumer breaks on it.
  cdc_schema_unexpected_column{table,column}  1 for each column not in the contract
  cdc_exporter_up                             1 when the last round succeeded and is fresh
  cdc_exporter_measure_seconds                how long the last round took

One round (SQL + Connect REST + a Kafka read) takes longer than a compressed scrape interval, so a
background thread measures in a loop and scrapes serve the last result. GET /measurement returns
that result as JSON (the drills read it, so the numbers a drill reports are the numbers the alert
sees); `python3 -m kafka_apps.cdc_exporter once` measures once and prints it.
"""
from __future__ import annotations

import json
import os
import sys
import time
import urllib.request

from kafka_apps import measuring

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
PORT = int(os.environ.get("PORT", "9309"))
CONNECT_URL = os.environ.get("CONNECT_URL", "http://connect:8083").rstrip("/")
CONNECTOR = os.environ.get("CDC_CONNECTOR_NAME", "orders-cdc")
TOPIC_PREFIX = os.environ.get("CDC_TOPIC_PREFIX", "oltp")
DB_HOST = os.environ.get("CDC_DATABASE_HOST", "mariadb")
DB_USER = os.environ.get("CDC_EXPORTER_USER", "cdc")     # SELECT + BINLOG MONITOR, no connection cap
DB_PASSWORD = os.environ.get("MARIADB_CDC_PASSWORD", "cdc-test-only")
# "db.table=col,col,...;db.table2=..." - the columns downstream consumers were built for
CONTRACT = os.environ.get("CDC_SCHEMA_CONTRACT", "oltp.orders=id,customer_id,status,amount,created_at")
MEASURE_INTERVAL = float(os.environ.get("CDC_MEASURE_INTERVAL_SECONDS", "0.5"))
STALE_AFTER = float(os.environ.get("CDC_STALE_AFTER_SECONDS", "10"))   # older numbers are not exported


def parse_contract(text: str) -> dict[str, list[str]]:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        table, _, columns = part.partition("=")
        out[table.strip()] = [c.strip() for c in columns.split(",") if c.strip()]
    return out


def binlog_delta(master: tuple[str, int], offset: tuple[str, int], logs: list[tuple[str, int]]) -> int:
    """Bytes from the connector's offset (file, pos) to the server's position (file, pos)."""
    (m_file, m_pos), (o_file, o_pos) = master, offset
    if m_file == o_file:
        return max(0, m_pos - o_pos)
    sizes = dict(logs)
    names = [n for n, _ in logs]
    if o_file not in sizes or m_file not in sizes:
        return max(0, m_pos)            # the offset's file was purged: at least everything in the current one
    between = names[names.index(o_file) + 1:names.index(m_file)]
    return max(0, sizes[o_file] - o_pos) + sum(sizes[n] for n in between) + m_pos


class Measure:
    def __init__(self) -> None:
        self._db = None
        self._consumer = None
        self.contract = parse_contract(CONTRACT)

    def _sql(self, query: str) -> list[tuple]:
        import pymysql
        if self._db is None:
            self._db = pymysql.connect(host=DB_HOST, user=DB_USER, password=DB_PASSWORD, connect_timeout=3,
                                       read_timeout=5, autocommit=True)
        try:
            with self._db.cursor() as cur:
                cur.execute(query)
                return list(cur.fetchall())
        except Exception:
            self._db = None
            raise

    def _offset(self) -> tuple[str, int] | None:
        """The connector's position: its committed restart point moved past what it already delivered."""
        with urllib.request.urlopen(f"{CONNECT_URL}/connectors/{CONNECTOR}/offsets", timeout=3) as r:
            offsets = json.load(r).get("offsets") or []
        for entry in offsets:
            off = entry.get("offset") or {}
            if "file" in off and "pos" in off:
                inside = int(off.get("event") or 0) > 0 or int(off.get("row") or 0) > 0
                return off["file"], self._delivered_up_to(off["file"], int(off["pos"]), inside)
        return None

    def _delivered_up_to(self, file: str, pos: int, inside_transaction: bool) -> int:
        events = self._sql(f"SHOW BINLOG EVENTS IN '{file}' FROM {pos} LIMIT 5000")
        # (Log_name, Pos, Event_type, Server_id, End_log_pos, Info)
        gtids = [int(e[1]) for e in events if e[2] == "Gtid"]
        if inside_transaction:
            gtids = [g for g in gtids if g > pos]       # the transaction at `pos` is delivered
        if gtids:
            return gtids[0]                             # the start of the first undelivered transaction
        return int(events[-1][4]) if events else pos    # nothing undelivered in this file

    def _last_emitted_id(self, topic: str) -> int:
        from kafka import KafkaConsumer, TopicPartition
        if self._consumer is None:
            self._consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, request_timeout_ms=3000,
                                           enable_auto_commit=False, consumer_timeout_ms=2000)
        partitions = self._consumer.partitions_for_topic(topic) or set()
        best = 0
        for p in partitions:
            tp = TopicPartition(topic, p)
            end = self._consumer.end_offsets([tp])[tp]
            if end == 0:
                continue
            self._consumer.assign([tp])
            self._consumer.seek(tp, max(0, end - 20))    # the last records (skip tombstones)
            deadline = time.time() + 3
            seen = max(0, end - 20)
            while seen < end and time.time() < deadline:
                for records in self._consumer.poll(timeout_ms=500).values():
                    for rec in records:
                        seen = rec.offset + 1
                        if rec.value:
                            value = json.loads(rec.value)
                            row = value.get("after") or value.get("before") or {}
                            best = max(best, int(row.get("id") or 0))
        return best

    def measure(self) -> dict:
        master = self._sql("SHOW MASTER STATUS")
        logs = [(r[0], int(r[1])) for r in self._sql("SHOW BINARY LOGS")]
        offset = self._offset()
        m_file, m_pos = master[0][0], int(master[0][1])
        delta = binlog_delta((m_file, m_pos), offset, logs) if offset else None
        tables = {}
        for table, expected in self.contract.items():
            db, name = table.split(".", 1)
            actual = [r[0] for r in self._sql(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
                f"WHERE TABLE_SCHEMA='{db}' AND TABLE_NAME='{name}' ORDER BY ORDINAL_POSITION")]
            last_id = self._last_emitted_id(f"{TOPIC_PREFIX}.{table}")
            pending = int(self._sql(f"SELECT COUNT(*) FROM `{db}`.`{name}` WHERE id > {last_id}")[0][0])
            tables[table] = {"rowCountDelta": pending, "lastEmittedId": last_id,
                             "unexpectedColumns": [c for c in actual if c not in expected],
                             "missingColumns": [c for c in expected if c not in actual]}
        return {"connector": CONNECTOR, "binlogFile": m_file, "binlogPosition": m_pos,
                "connectorOffset": {"file": offset[0], "pos": offset[1]} if offset else None,
                "binlogPositionDelta": delta, "tables": tables}


class Measurer(measuring.Measurer):
    """Measures in a loop (every MEASURE_INTERVAL seconds) and keeps the last result: a scrape or
    a drill reads it at once, so the exporter answers well inside a 0.5 s compressed scrape interval
    however long the SQL + Connect REST + Kafka round takes."""

    def __init__(self, interval: float = MEASURE_INTERVAL) -> None:
        super().__init__(Measure().measure, interval, "cdc exporter")

    def snapshot(self) -> dict:
        """up: the last round succeeded and is fresh; fresh: the last *successful* round is younger than
        STALE_AFTER. Its numbers are served while fresh: one failed round (a Connect REST or Kafka read
        timing out on a busy machine) must not make the series vanish - that resets the alerts' `for`."""
        last, error = self.state()
        fresh = last is not None and time.time() - last["measuredAt"] < STALE_AFTER
        return {"up": fresh and error is None, "fresh": fresh, "error": error, "measurement": last}


class CdcCollector:
    def __init__(self, measurer: Measurer) -> None:
        self.measurer = measurer

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        up = GaugeMetricFamily("cdc_exporter_up", "1 when the last measurement succeeded and is fresh")
        seconds = GaugeMetricFamily("cdc_exporter_measure_seconds", "time the last measurement took")
        binlog = GaugeMetricFamily("cdc_binlog_position_delta_bytes",
                                   "binlog bytes between SHOW MASTER STATUS and the connector's committed offset",
                                   labels=["connector"])
        rows = GaugeMetricFamily("cdc_row_count_delta", "rows written and not yet emitted by the connector",
                                 labels=["connector", "table"])
        drift = GaugeMetricFamily("cdc_schema_drift_columns", "columns differing from the schema contract",
                                  labels=["table"])
        unexpected = GaugeMetricFamily("cdc_schema_unexpected_column", "a column not in the schema contract",
                                       labels=["table", "column"])
        snap = self.measurer.snapshot()
        up.add_metric([], 1 if snap["up"] else 0)
        m = snap["measurement"]
        if snap["fresh"]:           # stale numbers are not exported: the series go absent instead
            seconds.add_metric([], m["measureSeconds"])
            if m["binlogPositionDelta"] is not None:
                binlog.add_metric([m["connector"]], m["binlogPositionDelta"])
            for table, t in m["tables"].items():
                rows.add_metric([m["connector"], table], t["rowCountDelta"])
                drift.add_metric([table], len(t["unexpectedColumns"]) + len(t["missingColumns"]))
                for column in t["unexpectedColumns"]:
                    unexpected.add_metric([table, column], 1)
        yield from (up, seconds, binlog, rows, drift, unexpected)


def serve(measurer: Measurer, port: int) -> None:
    """GET /metrics (Prometheus text) and GET /measurement (the last measurement as JSON)."""
    def measurement() -> tuple[bytes, str, int]:
        snap = measurer.snapshot()
        return json.dumps(snap).encode(), "application/json", 200 if snap["fresh"] else 503
    measuring.serve(port, CdcCollector(measurer), {"/measurement": measurement})


if __name__ == "__main__":
    if sys.argv[1:] == ["once"]:
        print(json.dumps(Measure().measure()))
        sys.exit(0)
    measurer = Measurer()
    measurer.start()
    print(f"cdc exporter on :{PORT}, connector {CONNECTOR} at {CONNECT_URL}, contract {CONTRACT}, "
          f"measuring every {MEASURE_INTERVAL}s", flush=True)
    serve(measurer, PORT)
