"""The service catalog (chaos_harness/catalog.py) is the one place that knows a service's name, port and readiness."""
import re

import pytest
import yaml

from chaos_harness.catalog import SERVICES, service
from chaos_harness.errors import ForeignTarget
from fixtures import COMPOSE_FILE, ROOT

pytestmark = pytest.mark.unit

LITERAL_URL = re.compile(r"""\.url\(\s*["'][a-z0-9-]+["']\s*,\s*\d+\s*\)""")


def test_every_compose_service_is_in_the_catalog_with_a_port_it_exposes():
    compose = yaml.safe_load((ROOT / COMPOSE_FILE).read_text())["services"]
    assert set(compose) == set(SERVICES)
    for name, spec in compose.items():
        published = {int(p.rsplit(":", 1)[-1]) for p in spec.get("ports") or []}
        assert not published or SERVICES[name].port in published, f"{name}: catalog port not published"


def test_no_code_passes_a_literal_service_name_and_port():
    offenders = [f"{path.relative_to(ROOT)}:{n}" for folder in ("chaos_harness", "fixtures", "scenarios", "scripts", "tests")
                 for path in (ROOT / folder).rglob("*.py")
                 for n, line in enumerate(path.read_text().splitlines(), 1) if LITERAL_URL.search(line)]
    assert offenders == [], "use the catalog: SUPPORT_SERVICE.url(owner), catalog.service(name).url(owner)"


def test_an_unknown_service_is_a_clear_error():
    with pytest.raises(ForeignTarget, match="no service 'rediss' in the catalog"):
        service("rediss")
