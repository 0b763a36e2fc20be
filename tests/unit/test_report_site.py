"""The report site: Allure 2 HTML generated offline from a fabricated results dir, opened in
headless Debian chromium. Checks the categories, environment, trend (history carried across two
generations), a scenario with its five phase steps and its PNG chart attachment."""
from __future__ import annotations

import functools
import json
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from fixtures.allure_results import PHASES, fabricate_results
from chaos_harness.report import CATEGORIES, generate
from chaos_harness.tools import ToolMissing, tool

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--virtual-time-budget=10000"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def _served(directory: Path) -> Iterator[str]:
    """The report over HTTP on 127.0.0.1 (the report loads its data with XHR, which file:// forbids)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _browser() -> Path:
    """Chromium or Chrome; on a machine where the bootstrap could install neither (a user without root on a
    system without it), the rendering tests skip, saying why. The bootstrap installs it where it can."""
    try:
        return tool("chromium")
    except ToolMissing as exc:
        pytest.skip(f"no Chromium/Chrome on this machine ({exc}); install one to check the report renders")


def _dom(url: str) -> str:
    browser = _browser()
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([str(browser), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("report")
    results, report_dir = base / "results", base / "allure-report"
    fabricate_results(results)
    generate(results, report_dir, build_name="first")
    generate(results, report_dir, build_name="second")   # history of the first run carried into the second
    return report_dir


def test_history_is_carried_across_runs(report):
    trend = json.loads((report / "history" / "history-trend.json").read_text())
    assert len(trend) == 2 and trend[0]["data"]["passed"] == 1


def test_failures_are_classified_into_the_harness_categories(report):
    categories = json.loads((report / "data" / "categories.json").read_text())
    found = {c["name"]: [leaf["name"] for child in c["children"] for leaf in child["children"]]
             for c in categories["children"]}
    assert found == {"Alert did not fire": ["Alert never fired"], "Alert did not clear": ["Alert stuck firing"],
                     "Budget exceeded": ["Too slow"], "Infrastructure error": ["Stack broken"]}


def test_overview_renders_categories_environment_and_trend_in_chromium(report):
    with _served(report) as url:
        dom = _dom(f"{url}/index.html")
    for text in [c["name"] for c in CATEGORIES] + ["Environment", "prometheus.version", "Trend"]:
        assert text in dom, f"{text!r} not rendered on the overview page"


def test_scenario_page_renders_steps_and_chart_in_chromium(report):
    case = next(json.loads(p.read_text()) for p in (report / "data" / "test-cases").glob("*.json")
                if json.loads(p.read_text())["name"] == "Redis outage proven")
    with _served(report) as url:
        dom = _dom(f"{url}/index.html#testresult/{case['uid']}")
        for phase in PHASES:
            assert f"{phase}: fabricated" in dom, f"step {phase!r} not rendered"
        assert "Metric: notification_rate_limit_errors_total" in dom and "Alert timeline" in dom
        png = next(a["source"] for a in case["testStage"]["attachments"] if a["type"] == "image/png")
        assert f'data-download="data/attachments/{png}"' in dom, "the chart attachment row is not rendered"
        import httpx
        body = httpx.get(f"{url}/data/attachments/{png}", timeout=5).content
    assert body.startswith(b"\x89PNG\r\n\x1a\n") and len(body) > 5000, "the chart is not a real PNG image"
