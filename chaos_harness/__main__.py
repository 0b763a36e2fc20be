"""Command line of the harness: `python -m chaos_harness --help`."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from chaos_harness import log
from chaos_harness.catalog import ALERTMANAGER, NOTIFICATION_SERVICE, PROMETHEUS, WEBHOOK_RECEIVER
from chaos_harness.errors import ChaosError
from chaos_harness.exitcodes import ERROR as EXIT_USAGE, FAILED as EXIT_FAILED, OK as EXIT_OK, TABLE, for_error
from chaos_harness.layout import SETTINGS, Layout, configure, current, find_root, ini_values, resolve


def _cmd_cleanup(args) -> int:
    from chaos_harness.cleanup import cleanup
    from chaos_harness.ledger import Ledger
    ledger = Ledger(Path(args.ledger)) if args.ledger else Ledger.default()
    report = cleanup(ledger, dry_run=args.dry_run, force=args.force, project=args.project,
                     all_projects=args.all)
    for line in report.lines():
        print(line)
    return EXIT_FAILED if report.errors else EXIT_OK


def _cmd_scenarios(args) -> int:
    from chaos_harness.registry import all_scenarios, groups
    if args.groups:   # CI matrix: scenarios that share compose profiles share one stack (one shard)
        import json
        factors = args.factors or [None]
        print(json.dumps([{"group": name if f is None else f"{name}-f{f:g}", "scenarios": " ".join(ids),
                           **({} if f is None else {"factor": f"{f:g}"})}
                          for f in factors for name, ids in groups().items()]))
        return EXIT_OK
    for s in all_scenarios():
        print(f"{s.id:32} {s.alert:34} {s.runbook}")
    return EXIT_OK


def _cmd_new_scenario(args) -> int:
    from chaos_harness.scaffold import new_scenario
    print("\n".join(new_scenario(current(), args.id, args.alert, receiver=args.receiver, runbook=args.runbook,
                                 title=args.title, service=args.service)))
    return EXIT_OK


def _cmd_plan(args) -> int:
    from chaos_harness.bounds import fault_latency_bound, planned_bounds
    from chaos_harness.registry import load
    s = load(args.scenario)
    bounds = planned_bounds(s, args.time_factor, current().monitoring_dir)
    print(f"scenario   {s.id}: {s.title}\nrunbook    {s.runbook_path}\n"
          f"steady     {s.alert} quiet; `{s.chart_query}` has data\n"
          f"inject     {s.fault} ({s.drill})\n"
          f"detect     {s.alert} firing, delivered to receiver {s.receiver}\n"
          f"remediate  {s.remediation_text or s.remediation}\n"
          f"recover    {s.alert} resolved, resolved notice delivered to {s.receiver}; fault reverted\n"
          f"verify     the rule's expression stays empty for two evaluation intervals\n"
          f"bounds at time factor {args.time_factor:g}:\n"
          f"  {fault_latency_bound(s.fault)}\n"
          f"  {bounds.fire} (counted from the fault in effect; the run adds the observed fault latency and "
          f"counts from the first action)\n" + "".join(f"  {b}\n" for b in bounds.all()[1:]) +
          "".join(f"  budget {k} {v:g}s (measured at factor {s.budget.factor:g})\n"
                  for k, v in (("remediate", s.budget.remediate), ("detect", s.budget.detect),
                               ("recover", s.budget.recover)) if v is not None) +
          "(plan only: nothing was started or touched)")
    return EXIT_OK


def _cmd_validate(args) -> int:
    import time
    from chaos_harness.validate import validate
    from chaos_harness.registry import all_scenarios, load
    started = time.time()
    chosen = [load(i) for i in args.scenario] if args.scenario else all_scenarios()
    checks = validate(chosen, current(), args.time_factor)
    for check in checks.values():
        print(f"ok       {check.scenario}" if check.ok else f"INVALID  {check.error()}")
    bad = sum(not c.ok for c in checks.values())
    print(f"{len(checks) - bad} valid, {bad} invalid ({time.time() - started:.1f}s; nothing was started)")
    return EXIT_USAGE if bad else EXIT_OK


def _cmd_render(args) -> int:
    from chaos_harness.timing import MonitoringSources, render_test_config
    profile = render_test_config(MonitoringSources(current().monitoring_dir), Path(args.out), args.time_factor)
    print(f"wrote {args.out}\n{profile.to_json()}")
    return EXIT_OK


def _cmd_stack(args) -> int:
    from chaos_harness.stack import Stack
    stack = Stack(time_factor=args.time_factor, profiles=args.profile)
    stack.start()
    print(f"stack {stack.project} is up.\n  inspect: {stack.compose_hint()}\n"
          f"  prometheus:   {PROMETHEUS.url(stack)}\n  alertmanager: {ALERTMANAGER.url(stack)}\n"
          f"  notification-service: {NOTIFICATION_SERVICE.url(stack)}\n"
          f"  webhook-receiver:     {WEBHOOK_RECEIVER.url(stack)}\n"
          f"  run scenarios against it (seconds, no stack start): "
          f".venv/bin/python -m pytest -m chaos --stack {stack.project} --scenario ID\n"
          f"  remove:  python -m chaos_harness cleanup --project {stack.project}")
    return EXIT_OK


def _cmd_bench(args) -> int:
    from chaos_harness import bench
    report: dict = {}
    if args.runs:
        report = bench.drill(args.runs, ctk=not args.no_ctk, keep=args.keep)
    if args.suite:
        report["suite"] = bench.suite_phases(Path(args.suite))
        report.setdefault("at", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "bench.md").write_text(bench.to_markdown(report))
    print(bench.to_markdown(report))
    print(f"wrote {out / 'bench.json'}, {out / 'bench.md'}")
    failed = [r for r in report.get("runs", []) if r.get("verdict", "passed") != "passed" or r.get("error")]
    return EXIT_FAILED if failed else EXIT_OK


def _cmd_coverage(args) -> int:
    from chaos_harness.allure_results import scenario_outcomes
    from chaos_harness.coverage import compute, judged_by_the_gate, write_reports
    from chaos_harness.runbooks import load_registry
    allure_dir = Path(args.alluredir)
    outcomes = judged_by_the_gate(scenario_outcomes(allure_dir), Path(args.results_dir))
    coverage = compute(load_registry(), outcomes, strict=args.strict)
    written = write_reports(coverage, Path(args.out), allure_dir if allure_dir.is_dir() else None)
    summary = coverage.to_json()["summary"]
    for kind, counts in summary.items():
        print(f"{kind:9} " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    for error in coverage.findings.errors:
        print(f"ERROR: {error}", file=sys.stderr)
    for gap in coverage.findings.gaps:
        print(f"{'ERROR' if args.strict else 'not covered'}: {gap}", file=sys.stderr)
    print("wrote " + ", ".join(str(p.relative_to(current().root) if p.is_relative_to(current().root) else p) for p in written))
    return EXIT_OK if coverage.ok else EXIT_FAILED


def _cmd_gate(args) -> int:
    import subprocess
    from chaos_harness.gate import EXIT_INFRA, evaluate, write_gate
    from chaos_harness.registry import load, scenario_ids
    chosen = [load(i) for i in (args.scenario or scenario_ids())]     # a typo is a usage error (exit 2)
    results_dir = Path(args.results_dir)
    note = ""
    if not args.no_run:
        for s in chosen:                                               # a stale result must not pass the gate
            for stale in results_dir.glob(f"{s.id}.*json"):
                stale.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "pytest", "tests/chaos", "-m", "chaos",   # proof runs and their controls
               f"--alluredir={args.alluredir}", *[f"--scenario={s.id}" for s in chosen], *args.pytest_args]
        print("gate: " + " ".join(cmd), flush=True)
        env = {**os.environ, **current().as_env(), "CHAOS_RESULTS_DIR": str(results_dir)}
        rc = subprocess.run(cmd, cwd=current().root, env=env).returncode
        if rc not in (0, 1):
            note = f"pytest exited {rc} (usage error, interrupted or internal error): nothing proven."
    report = evaluate(results_dir, [s.id for s in chosen], note)
    paths = write_gate(report, Path(args.out))
    print(report.to_markdown())
    print("wrote " + ", ".join(str(p) for p in paths))
    return EXIT_INFRA if note else report.exit_code


def _cmd_report(args) -> int:
    from chaos_harness.evidence import git_sha
    from chaos_harness.report import generate
    index = generate(Path(args.alluredir), Path(args.out), build_name=git_sha(current().root), single_file=args.single_file)
    print(f"report: {index}\n  view: {tool_hint(index.parent)}")
    return EXIT_OK


def tool_hint(report_dir: Path) -> str:
    return (f".tools/allure/node_modules/.bin/allure open {report_dir}   "
            f"(or: python3 -m http.server -d {report_dir} -b 127.0.0.1 8080)")


def layout_options(parser: argparse.ArgumentParser) -> None:
    """The project's content paths (chaos_harness/layout.py); the same names as the pytest options."""
    group = parser.add_argument_group("project layout (option > environment > default under the project root)")
    group.add_argument("--chaos-project-root", metavar="DIR", help="the project root (env CHAOS_PROJECT_ROOT; default: "
                       "the nearest directory up from here holding the compose file)")
    for setting in SETTINGS:
        group.add_argument(setting.option, metavar="PATH", dest=f"chaos_{setting.name}",
                           help=f"{setting.help} (env {setting.env}; default {setting.default})")


def layout_from(args: argparse.Namespace) -> Layout:
    """Options first, then the project's pytest.ini keys (the same ones the plugin reads), then the environment."""
    root = Path(args.chaos_project_root).resolve() if args.chaos_project_root else find_root()
    ini = ini_values(root)
    return resolve(root, lambda s: getattr(args, f"chaos_{s.name}", None) or ini.get(s.ini))


def build_parser(layout: Layout | None = None) -> argparse.ArgumentParser:
    from chaos_harness.timing import DEFAULT_FACTOR
    layout = layout or current()
    REPORTS = layout.reports_dir
    parser = argparse.ArgumentParser(prog="chaos-harness",
                                     description="Chaos harness for the incident runbooks: scenarios, stack, cleanup "
                                                 "(also `python -m chaos_harness`).",
                                     epilog="exit codes (every command, the gate and the scripts): "
                                            + "; ".join(f"{code} {meaning}" for code, meaning in TABLE.items()))
    layout_options(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("cleanup", help="revert faults and remove stacks that a crashed run left behind")
    p.add_argument("--ledger", default=None, help="ledger file (default: $CHAOS_LEDGER or reports/ledger.jsonl)")
    p.add_argument("--dry-run", action="store_true", help="print what would be done; change nothing")
    p.add_argument("--force", action="store_true", help="also clean entries of runs that are still alive")
    p.add_argument("--project", help="clean only this compose project (also when its run is alive, e.g. --keep-stack)")
    p.add_argument("--all", action="store_true", help="also remove chaos-* compose projects missing from the ledger")
    p.set_defaults(func=_cmd_cleanup)

    p = sub.add_parser("scenarios", help="list the runbook scenarios")
    p.add_argument("--groups", action="store_true", help="print the scenario groups (shards sharing compose "
                   "profiles) as JSON, for a CI matrix")
    p.add_argument("--factors", type=float, nargs="+", metavar="F", help="with --groups: one shard per group and "
                   "time factor (the nightly proves every scenario at two factors)")
    p.set_defaults(func=_cmd_scenarios)

    p = sub.add_parser("plan", help="print a scenario's plan without touching anything (dry run)")
    p.add_argument("scenario", help="scenario id, see `scenarios`")
    p.add_argument("--time-factor", type=float, default=DEFAULT_FACTOR, help="factor the bounds are derived at "
                   "(default %(default)g)")
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("new-scenario", help="write a new scenario for an alert the rules define, its runbook section "
                                            "stub and a promtool test stub (nothing existing is overwritten)")
    p.add_argument("id", help="scenario id (a module name: lower case, digits, underscores)")
    p.add_argument("--alert", required=True, help="the alert the scenario proves (a rule must define it)")
    p.add_argument("--service", default="TODO-service", help="the compose service the fault targets (default: a TODO)")
    p.add_argument("--receiver", help="default: where Alertmanager routes the rule's labels (amtool)")
    p.add_argument("--runbook", metavar="FILE#ANCHOR", help="runbook section; default: the rule's runbook_url")
    p.add_argument("--title", help="the situation in the runbook's words (default: from the id)")
    p.set_defaults(func=_cmd_new_scenario)

    p = sub.add_parser("validate", help="check scenarios against the rule files, runbooks, Alertmanager routes "
                                        "(amtool), compose profiles/services and PromQL (promtool); starts nothing; "
                                        "exit 0 valid, 2 invalid")
    p.add_argument("--scenario", action="append", default=[], metavar="ID", help="only this scenario (repeatable)")
    p.add_argument("--time-factor", type=float, default=DEFAULT_FACTOR, help="factor of the generated config "
                   "checked (default %(default)g)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("render-config", help="write the time-compressed monitoring config")
    p.add_argument("--out", default=str(layout.build_dir / "monitoring"), help="output directory (default: %(default)s)")
    p.add_argument("--time-factor", type=float, default=DEFAULT_FACTOR, help="divide durations by (default %(default)g)")
    p.set_defaults(func=_cmd_render)

    p = sub.add_parser("bench", help="our Redis-outage drill side by side with the Chaos Toolkit peer on one stack "
                                     "(median and spread), and/or a suite run's wall time by phase")
    p.add_argument("--runs", type=int, default=3, help="runs per tool (0: none; default %(default)s)")
    p.add_argument("--no-ctk", action="store_true", help="only our drill (no Chaos Toolkit venv needed)")
    p.add_argument("--keep", action="store_true", help="leave the benchmark's stack running")
    p.add_argument("--suite", metavar="ALLUREDIR", help="also split a suite run's wall time by phase, from its "
                                                        "Allure results (e.g. reports/allure-results)")
    p.add_argument("--out", default=str(REPORTS), help="where bench.json/.md go (default: %(default)s)")
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("coverage", help="runbook sections and alerts with their status; fails on dangling references")
    p.add_argument("--alluredir", default=str(REPORTS / "allure-results"),
                   help="Allure results to read outcomes from, and to attach the coverage to (default: %(default)s)")
    p.add_argument("--out", default=str(REPORTS), help="where coverage.json/.md go (default: %(default)s)")
    p.add_argument("--strict", action="store_true", help="also fail when a runbook alert has no rule yet")
    p.add_argument("--results-dir", default=str(layout.results_dir),
                   help="per-scenario run journals: a passed scenario counts as proven only when the gate's judgement "
                        "of these (bounds met, every control failed as expected) says so (default: %(default)s)")
    p.set_defaults(func=_cmd_coverage)

    p = sub.add_parser("gate", help="release gate: run scenarios, judge pass/fail and budgets "
                                    "(exit 0 pass, 1 fail or budget exceeded, 2 usage/infrastructure)")
    p.add_argument("--scenario", action="append", default=[], metavar="ID", help="scenario to gate on (repeatable; "
                   "default: all)")
    p.add_argument("--no-run", action="store_true", help="judge the existing run journals only (e.g. merged CI shards)")
    p.add_argument("--results-dir", default=str(layout.results_dir),
                   help="per-scenario run journals (default: %(default)s)")
    p.add_argument("--alluredir", default=str(REPORTS / "allure-results"), help="Allure results dir")
    p.add_argument("--out", default=str(REPORTS), help="where gate.json/.md go (default: %(default)s)")
    p.add_argument("pytest_args", nargs="*", help="extra pytest arguments after `--` (e.g. -- -n 2)")
    p.set_defaults(func=_cmd_gate)

    p = sub.add_parser("report", help="generate the Allure HTML report offline, with history, categories, environment")
    p.add_argument("--alluredir", default=str(REPORTS / "allure-results"), help="results (default: %(default)s)")
    p.add_argument("--out", default=str(REPORTS / "allure-report"), help="report dir, replaced; its "
                   "history/ is carried into the new report (default: %(default)s)")
    p.add_argument("--single-file", action="store_true", help="one self-contained index.html (opens from disk)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("stack-up", help="start a test stack and leave it running (remove with cleanup --project)")
    p.add_argument("--time-factor", type=float, default=DEFAULT_FACTOR, help="divide durations by (default %(default)g)")
    p.add_argument("--profile", action="append", default=[],
                   help="also start a compose profile's services (repeatable: db, kafka, cdc, cassandra, minio, trino, flink)")
    p.set_defaults(func=_cmd_stack)
    return parser


def main(argv: list[str] | None = None) -> int:
    pre = argparse.ArgumentParser(add_help=False)
    layout_options(pre)
    known, _ = pre.parse_known_args(argv)
    layout = configure(layout_from(known))     # the help shows this project's paths as defaults
    args = build_parser(layout).parse_args(argv)
    log.console()      # progress and diagnostics on stderr; the command's output on stdout
    try:
        return args.func(args)
    except ChaosError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return for_error(exc)


if __name__ == "__main__":
    sys.exit(main())
