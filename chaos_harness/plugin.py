"""The pytest plugin of the harness (entry point `pytest11: chaos`): options, markers, the session stack,
observers, nemesis, scenario runner. Installed with the package, it loads in every pytest run of the
environment; a project points it at its content with the layout settings (chaos_harness/layout.py).

Options (command line > ini key > environment > default; the short names are kept as aliases):
  --chaos-keep-stack   / keep_stack                        leave the stack up after the run
  --chaos-time-factor  / time_factor / CHAOS_TIME_FACTOR   production durations divided by this
  --chaos-dry-run                                          print each scenario's plan; start and touch nothing
  --chaos-scenario ID (repeatable)                         run only these scenarios (typos are a usage error)
  --chaos-stack PROJECT / CHAOS_STACK                      run against an already running stack
  --chaos-compose-file, --chaos-monitoring-dir, --chaos-runbooks-dir, --chaos-scenarios, --chaos-reports-dir
                       / chaos_<name> ini keys / CHAOS_<NAME>   the project's content (chaos_harness/layout.py)
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

import allure
import pytest

from chaos_harness import log, parallel
from chaos_harness.allure_results import SCENARIO_LABEL
from chaos_harness.catalog import ALERTMANAGER, PROMETHEUS, WEBHOOK_RECEIVER
from chaos_harness.controls import Control
from chaos_harness.errors import ConfigError, UnknownScenario
from chaos_harness.evidence import AllureHandler, git_sha, label_scenario, record_result, write_environment
from chaos_harness.faults import Nemesis
from chaos_harness.gate import journal_path
from chaos_harness.journal import ConsoleHandler, Journal, JsonLinesHandler
from chaos_harness.ledger import Ledger
from chaos_harness.observe.alertmanager import Alertmanager
from chaos_harness.observe.alerts import AlertObserver
from chaos_harness.observe.prometheus import Prometheus
from chaos_harness.observe.webhook import WebhookReceiver
from chaos_harness.registry import load
from chaos_harness.runner import ScenarioResult, ScenarioRunner, journal_unrun
from chaos_harness.scenario import Scenario
from chaos_harness.layout import SETTINGS, configure, current, require, resolve
from chaos_harness.stack import PROFILE_ENV, Stack, new_project_name
from chaos_harness.timing import DEFAULT_FACTOR
from chaos_harness.validate import ScenarioCheck, Validator

_log = log.logger(__name__)

MARKERS = (
    ("chaos", "runbook scenario against the containerized stack (starts Docker containers, injects real faults)"),
    ("control", "negative control of a scenario (sabotaged rule, fault or remediation; must fail)"),
    ("stack", "needs the containerized stack (started once per session)"),
    ("runbook_proof", "the test proves a scenario: its outcome feeds coverage and the release gate"),
    ("stack_profile(*names)", "the test needs these compose profiles in the session stack"),
)
KEEP_STACK = pytest.StashKey[bool]()
SESSION_STACK = pytest.StashKey[Stack]()
STACK_FINISHED = pytest.StashKey[bool]()
PROFILES_DONE = pytest.StashKey[dict]()       # index of a test -> compose profiles needed no more after it
CURRENT_ITEM = pytest.StashKey[pytest.Item]()   # the test being set up (whose group sizes a worker's stack)
CHECKS = pytest.StashKey[dict]()          # scenario id -> ScenarioCheck, validated at collection
VALIDATOR = pytest.StashKey[Validator]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaos", "chaos harness")
    group.addoption("--chaos-keep-stack", "--keep-stack", dest="keep_stack", action="store_true", default=None,
                    help="leave the test stack running after the session (for debugging); "
                         "remove it later with `make cleanup`")
    group.addoption("--chaos-time-factor", "--time-factor", dest="time_factor", type=float, default=None,
                    help=f"divide production alert timings by this (default {DEFAULT_FACTOR:g}, "
                         "ini time_factor, env CHAOS_TIME_FACTOR)")
    group.addoption("--chaos-dry-run", "--dry-run", dest="dry_run", action="store_true", default=False,
                    help="print what each scenario would inject and remediate; touch nothing")
    group.addoption("--chaos-stack", "--stack", dest="stack", default=os.environ.get("CHAOS_STACK") or None,
                    metavar="PROJECT",
                    help="run against this already running stack (from `make stack-up`; env CHAOS_STACK) instead of "
                         "starting one: a warm inner loop; faults are reverted and traffic stopped after each "
                         "scenario, and the stack is left running")
    group.addoption("--chaos-scenario", "--scenario", dest="scenario", action="append", default=[], metavar="ID",
                    help="run only this scenario (repeatable); see `chaos-harness scenarios`")
    for setting in SETTINGS:
        group.addoption(setting.option, dest=f"chaos_{setting.name}", default=None, metavar="PATH",
                        help=f"{setting.help} (ini {setting.ini}, env {setting.env}; default {setting.default})")
        parser.addini(setting.ini, setting.help, default="")
    parser.addini("keep_stack", "leave the test stack running after the session", type="bool", default=False)
    parser.addini("time_factor", "divide production alert timings by this", default="")


def _time_factor(config: pytest.Config) -> float:
    raw, source = config.getoption("time_factor"), "--time-factor"
    if raw is None and config.getini("time_factor"):
        raw, source = config.getini("time_factor"), "ini time_factor"
    if raw is None and os.environ.get("CHAOS_TIME_FACTOR"):
        raw, source = os.environ["CHAOS_TIME_FACTOR"], "CHAOS_TIME_FACTOR"
    if raw is None:
        return DEFAULT_FACTOR
    try:
        value = float(raw)
    except ValueError:
        raise pytest.UsageError(f"{source}: time factor must be a number, got {raw!r}") from None
    if value < 1:
        raise pytest.UsageError(f"{source}: time factor must be >= 1, got {value:g}")
    return value


def _on_sigterm(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt("SIGTERM")


def pytest_configure(config: pytest.Config) -> None:
    log.console()      # progress lines "[chaos] ..." on stderr (chaos_harness/log.py; CHAOS_LOG_LEVEL)
    for name, description in MARKERS:
        config.addinivalue_line("markers", f"{name}: {description}")
    layout = configure(resolve(os.environ.get("CHAOS_PROJECT_ROOT") or config.rootpath,
                               lambda s: config.getoption(f"chaos_{s.name}") or config.getini(s.ini) or None))
    if _wants_layout(config):
        try:
            require(layout)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.stash[KEEP_STACK] = bool(config.getoption("keep_stack") or config.getini("keep_stack"))
    _time_factor(config)  # validate early: a bad value is a usage error, not a failed test
    for scenario_id in config.getoption("scenario"):
        try:
            load(scenario_id)
        except UnknownScenario as exc:
            raise pytest.UsageError(f"--scenario: {exc}") from None
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)  # faults roll back on `kill` too, like on Ctrl-C


def _wants_layout(config: pytest.Config) -> bool:
    """A run that names scenarios or a stack needs the project's content; `pytest --help` and a project's own
    unit tests do not."""
    return bool(config.getoption("scenario") or config.getoption("stack"))


def _validator(config: pytest.Config) -> Validator:
    if VALIDATOR not in config.stash:
        config.stash[VALIDATOR] = Validator(current(), _time_factor(config))
    return config.stash[VALIDATOR]


def check_scenario(config: pytest.Config, scenario: Scenario) -> ScenarioCheck:
    """The scenario's validation (from collection, or now for a variant built in a test)."""
    checks = config.stash.setdefault(CHECKS, {})
    known = checks.get(scenario.id)
    if known is not None and known.scenario_object == scenario:
        return known
    check = _validator(config).check([scenario])[scenario.id]
    check.scenario_object = scenario
    return check


def _validate_collected(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Validate every collected scenario before any container starts; invalid ones fail fast when they run."""
    scenarios = {s.id: s for item in items
                 if (s := getattr(getattr(item, "callspec", None), "params", {}).get("scenario")) is not None}
    if not scenarios:
        return
    checks = _validator(config).check(list(scenarios.values()))
    for scenario_id, check in checks.items():
        check.scenario_object = scenarios[scenario_id]
    config.stash[CHECKS] = checks
    for check in checks.values():
        if not check.ok:
            _log.error("INVALID %s", check.error())


def _proofs_before_controls(items: list[pytest.Item]) -> None:
    """Proof runs first, negative controls after (stable otherwise): a control proves something only beside its
    scenario's passed proof run, so a failing proof shows first, and no control's run precedes the alert's proof."""
    items.sort(key=lambda item: item.get_closest_marker("control") is not None)


def pytest_itemcollected(item: pytest.Item) -> None:
    # before xdist's own collection hook, which reads xdist_group to schedule a group on one worker
    group = parallel.stack_group(item)
    if group and parallel.loadgroup(item.config):
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[CURRENT_ITEM] = item


@pytest.hookimpl(trylast=True)   # after -m/-k deselection: validate only what will run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _proofs_before_controls(items)
    items[:] = parallel.in_one_process_order(items)
    wanted = set(config.getoption("scenario"))
    if not wanted:
        _validate_collected(config, items)
        return
    keep, drop = [], []
    for item in items:
        scenario = getattr(getattr(item, "callspec", None), "params", {}).get("scenario")
        (keep if scenario is None or scenario.id in wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    _validate_collected(config, items)


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    """<reports>/ledger.jsonl, or CHAOS_LEDGER (tests of crash recovery use their own)."""
    return Ledger.default()


@pytest.fixture(scope="session")
def chaos_stack(request: pytest.FixtureRequest, ledger: Ledger):
    """The bundled test stack, started once per session (per xdist worker), removed afterwards."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    attach = request.config.getoption("stack")
    if attach and worker:
        pytest.exit("--stack: one running stack cannot be shared by pytest-xdist workers (drop -n)", returncode=2)
    try:
        if attach:
            explicit = request.config.getoption("time_factor") is not None or os.environ.get("CHAOS_TIME_FACTOR")
            stack = Stack.attach(attach, ledger=ledger, profiles=_profiles_needed(request.session, on_demand=False),
                                 time_factor=_time_factor(request.config) if explicit else None)
        else:
            stack = Stack(new_project_name(worker), time_factor=_time_factor(request.config), ledger=ledger,
                          profiles=_profiles_needed(request.session))
            with _uncaptured(request.config):     # image builds and the start say how far they got
                stack.start()
    except ConfigError as exc:
        pytest.exit(f"cannot {'use' if attach else 'start'} the stack: {exc}", returncode=2)
    request.config.stash[SESSION_STACK] = stack
    try:
        yield stack
    finally:
        _finish_stack(request.config)


def _finish_stack(config: pytest.Config) -> None:
    """The session stack's end (once): its environment page, then stopped, or left running as asked."""
    stack = config.stash.get(SESSION_STACK, None)
    if stack is None or config.stash.get(STACK_FINISHED, False):
        return
    config.stash[STACK_FINISHED] = True
    _write_allure_environment(config, stack)
    if stack.attached:
        _log.info("--stack: stack %s left running as found", stack.project)
    elif config.stash[KEEP_STACK]:
        _log.info("--keep-stack: stack %s left running. Inspect: %s", stack.project, stack.compose_hint())
        _log.info("remove it with: make cleanup ARGS='--project %s'", stack.project)
    else:
        stack.stop()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """A profile's services go after its last test (parallel.profiles_done_after). Under --dist loadgroup a worker's
    whole stack goes as soon as its last stack test is done: the stack groups come first in the queue, so what
    follows (unit tests, crash recovery) runs without idle JVMs on the same cores."""
    if parallel.loadgroup(item.config) and parallel.releases_stack_after(item, nextitem):
        _finish_stack(item.config)
        return
    stack = item.config.stash.get(SESSION_STACK, None)
    if stack is None or stack.stopped or nextitem is None:
        return
    if PROFILES_DONE not in item.config.stash:
        item.config.stash[PROFILES_DONE] = parallel.profiles_done_after(item.session.items, kept=PROFILE_ENV)
    index = item.session.items.index(item)
    done = item.config.stash[PROFILES_DONE].get(index, [])
    if done:
        with _uncaptured(item.config):
            stack.remove_profiles(done, needed_later=parallel.profiles_needed_after(item.session.items, index))


def _uncaptured(config: pytest.Config):
    """Output capture suspended (what `capsys.disabled()` does), so long steps show progress as they run."""
    capture = config.pluginmanager.getplugin("capturemanager")
    return capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()


def _profiles_needed(session: pytest.Session, on_demand: bool = True) -> list[str]:
    """Compose profiles of the collected tests: one stack start serves them all, and a run of only the
    notification scenarios starts no data-platform service; under --dist loadgroup, those of this worker's
    first group; without the on-demand profiles, which their tests (run last, in their group) add
    (chaos_harness/parallel.py). A stack attached with --stack must already run everything."""
    return parallel.profiles_to_start(session.items, session.config.stash.get(CURRENT_ITEM, None),
                                      grouped=parallel.loadgroup(session.config), on_demand=on_demand)


@pytest.fixture(autouse=True)
def _stack_serves_this_test(request: pytest.FixtureRequest):
    """A test that uses the session stack finds the compose profiles it needs running: a parallel worker
    started its stack for its first group and adds a later group's services when one arrives."""
    if "chaos_stack" in request.fixturenames:
        _serve_profiles(request.config, request.getfixturevalue("chaos_stack"), parallel.profiles_of(request.node))
    yield


def _serve_profiles(config: pytest.Config, stack: Stack, needed: set[str]) -> None:
    if stack.stopped:
        pytest.fail(f"stack {stack.project} was released after this worker's last stack test; a stack test came "
                    f"after other tests (xdist without --no-loadscope-reorder?); run with the Makefile's PARALLEL "
                    f"or without -n", pytrace=False)
    if needed - set(stack.profiles):
        try:
            with _uncaptured(config):     # a profile's start (its images built if missing) says how far it got
                stack.add_profiles(needed)
        except ConfigError as exc:
            pytest.fail(str(exc), pytrace=False)


def _write_allure_environment(config: pytest.Config, stack: Stack) -> None:
    alluredir = config.getoption("allure_report_dir", None)
    if not alluredir or stack.profile is None:
        return
    props = {"git.sha": git_sha(current().root), "stack.project": stack.project,
             "time.factor": f"{stack.profile.factor:g}",
             "prometheus.scrape_interval": f"{stack.profile.scrape_interval:g}s",
             "prometheus.evaluation_interval": f"{stack.profile.evaluation_interval:g}s",
             "python": sys.version.split()[0]}
    try:
        props["prometheus.version"] = Prometheus(PROMETHEUS.url(stack)).build_info()["version"]
        props["alertmanager.version"] = Alertmanager(ALERTMANAGER.url(stack)).version()
        props["redis.version"] = stack.exec("redis", ["redis-server", "--version"])[1].split()[2]
        for container in stack.owner.containers():
            props[f"image.{container.labels.get('com.docker.compose.service')}"] = \
                f"{container.image.tags[0] if container.image.tags else '?'} {container.image.short_id}"
    except Exception as exc:  # noqa: BLE001 - environment page is best effort
        props["environment.error"] = str(exc)
    write_environment(Path(alluredir), props)


@pytest.fixture(scope="session")
def prometheus(chaos_stack: Stack) -> Prometheus:
    return Prometheus(PROMETHEUS.url(chaos_stack))


@pytest.fixture(scope="session")
def alertmanager(chaos_stack: Stack) -> Alertmanager:
    return Alertmanager(ALERTMANAGER.url(chaos_stack))


@pytest.fixture(scope="session")
def webhook(chaos_stack: Stack) -> WebhookReceiver:
    return WebhookReceiver(WEBHOOK_RECEIVER.url(chaos_stack))


@pytest.fixture(scope="session")
def observer(prometheus, alertmanager, webhook) -> AlertObserver:
    return AlertObserver(prometheus, alertmanager, webhook)


@pytest.fixture(scope="session")
def nemesis(chaos_stack: Stack, ledger: Ledger) -> Nemesis:
    return Nemesis(chaos_stack.owner, ledger)


@pytest.fixture
def alertmanager_config(chaos_stack: Stack, alertmanager: Alertmanager):
    """`with alertmanager_config(mutation, ...):` runs a block against a changed copy of this stack's generated
    alertmanager.yml (chaos_harness/mutation.py route_elsewhere); restored afterwards."""
    from chaos_harness.mutation import alertmanager_config_changed
    path = chaos_stack.work_dir / "monitoring" / "alertmanager" / "alertmanager.yml"
    return lambda *mutations: alertmanager_config_changed(path, alertmanager, *mutations)


@pytest.fixture
def run_scenario(request: pytest.FixtureRequest):
    """Run a scenario through its phases with Allure evidence; fail with its classified error.

    `run_scenario(scenario)` proves it (marker runbook_proof: its run journal feeds the gate and coverage);
    `run_scenario(variant, control=C)` runs a negative control: it passes only when the run failed with exactly
    the classes C expects, and writes a control result the gate reads. A scenario that fails validation fails
    at once (broken), before any container starts, and still writes its result. With --dry-run it prints the
    plan and skips, without starting anything.
    """
    proof = request.node.get_closest_marker("runbook_proof") is not None
    results_dir = current().results_dir

    def run(scenario: Scenario, control: Control | None = None) -> ScenarioResult:
        label_scenario(scenario)
        if proof:  # coverage and the gate read only proof runs, never negative controls
            allure.dynamic.label(SCENARIO_LABEL, scenario.id)
        if request.config.getoption("dry_run"):
            _log.info("[dry-run] %s: steady state (%s quiet) -> inject %s -> expect %s firing at %s -> remediate: %s "
                      "-> expect resolved", scenario.id, scenario.alert, scenario.fault, scenario.alert, scenario.receiver,
                      scenario.remediation_text or scenario.remediation)
            pytest.skip("dry-run: plan printed, nothing touched")
        check = check_scenario(request.config, scenario)
        recorded = proof or control is not None    # their journals are what the gate and coverage read
        path = journal_path(results_dir, scenario.id, control)
        journal = Journal(ConsoleHandler(), AllureHandler(), *([JsonLinesHandler(path)] if recorded else []))
        if not check.ok:
            result = ScenarioResult(scenario, failures=[check.error()], control=control)
            journal_unrun(journal, result)
            record_result(result, None, None, None)
        else:
            stack: Stack = request.getfixturevalue("chaos_stack")
            _serve_profiles(request.config, stack, set(scenario.profiles))
            runner = ScenarioRunner(stack, request.getfixturevalue("observer"), request.getfixturevalue("nemesis"),
                                    journal)
            result = runner.run(scenario, control=control)
            try:
                record_result(result, stack, request.getfixturevalue("prometheus"), request.getfixturevalue("webhook"))
            except Exception as exc:  # noqa: BLE001 - evidence must never replace the verdict or lose the result
                allure.attach(f"{type(exc).__name__}: {exc}", name="Evidence incomplete",
                              attachment_type=allure.attachment_type.TEXT)
        if recorded:
            allure.attach.file(str(path), name="Run journal", attachment_type=allure.attachment_type.TEXT,
                               extension="jsonl")
        if control is not None:
            if not result.as_expected:
                raise AssertionError(
                    f"control '{control.name}' of {scenario.id} ({control.sabotage}) must fail with "
                    f"{', '.join(c.__name__ for c in control.expect)}; the run gave "
                    f"{', '.join(f'{type(f).__name__}: {f}' for f in result.failures) or 'a pass'}") from result.error
            return result
        result.raise_for_verdict()
        return result
    return run
