"""Background traffic keeps its rate with several workers and survives any error of the operation."""
import threading
import time

from chaos_harness.traffic import BackgroundTraffic


def test_workers_keep_the_rate_when_each_call_is_slow():
    seen, lock = [], threading.Lock()

    def slow(i):
        time.sleep(0.2)
        with lock:
            seen.append(i)
    with BackgroundTraffic("slow", slow, rate=20, workers=4):
        time.sleep(1.0)
    assert len(seen) >= 12, "one sequential worker would manage about 5"
    assert len(set(seen)) == len(seen), "every call gets its own index"


def test_errors_are_counted_and_the_load_goes_on():
    def flaky(i):
        if i % 2:
            raise ValueError("not JSON")
    load = BackgroundTraffic("flaky", flaky, rate=50)
    with load:
        time.sleep(0.3)
    assert load.stats.ok > 2 and load.stats.errors > 2
    assert load.stats.last_error == "ValueError: not JSON"
    assert not load.running
