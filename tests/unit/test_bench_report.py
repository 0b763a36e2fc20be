"""The benchmark's markdown header says only what the report knows (a suite split has no stack or factor)."""
import pytest

from chaos_harness.bench import to_markdown

pytestmark = pytest.mark.unit


def test_the_header_names_cpus_and_factor_only_when_measured():
    assert to_markdown({"at": "2026-11-30 22:58 UTC", "suite": {"proof: Detect": 170.9}}).splitlines()[0] == \
        "# Benchmark (2026-11-30 22:58 UTC)"
    assert to_markdown({"at": "t", "cpus": 2, "factor": 30.0}).splitlines()[0] == "# Benchmark (t, 2 CPUs, time factor 30)"
