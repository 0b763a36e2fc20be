"""How the suite splits over pytest-xdist workers (`-n 2 --dist loadgroup --no-loadscope-reorder`, the
Makefile's PARALLEL; docs/operations.md "Parallel runs").

Every test that uses the session stack belongs to one of two groups: the tests of the core services (no compose
profile) and the tests that need an optional profile (the data platform's JVMs). xdist runs a group on one
worker, and each worker starts its own stack sized to the group it starts with, so the two halves of the chaos
suite run side by side and no stack carries services its worker does not test. Pure functions of the collected
items: the plugin's hooks apply them.
"""
from __future__ import annotations

from typing import Iterable

GROUP_CORE, GROUP_PROFILES = "chaos-stack-core", "chaos-stack-profiles"
STACK_FIXTURES = frozenset({"chaos_stack", "run_scenario"})   # a test using either runs on the session stack
# Profiles few tests need, whose JVMs cost CPU all the time they run (Flink checkpointing and polling, Trino): in
# one process, the session stack starts without them, their tests run last, and the profile is added when the
# first of them comes. In this order: the tests of one profile run together, Flink's first (it needs the data
# platform's cdc profile, whose services go with it), so Trino and then Airflow's scheduler, whose DAG runs set the
# O2O scenarios' pace, run beside the core services only.
ON_DEMAND_ORDER = ("flink", "trino", "o2o")
ON_DEMAND = frozenset(ON_DEMAND_ORDER)
WITH_THE_CORE = frozenset({"o2o"})   # profiles whose tests run in the core group (see stack_group)


def loadgroup(config) -> bool:
    """Is this run scheduled by xdist groups (`--dist loadgroup`)? Its workers see `dist` reset to "no"."""
    return config.getoption("dist", "no") == "loadgroup" or bool(getattr(config.option, "loadgroup", False))


def profiles_of(item) -> set[str]:
    """Compose profiles one test needs: its stack_profile markers and its scenario's profiles."""
    needed: set[str] = set()
    for marker in item.iter_markers("stack_profile"):
        needed.update(marker.args)
    scenario = getattr(getattr(item, "callspec", None), "params", {}).get("scenario")
    needed.update(getattr(scenario, "profiles", ()))
    return needed


def stack_group(item) -> str | None:
    """The group of a test that uses the session stack; None for a test that starts no stack. The O2O profile's
    tests go with the core services (OMS calls payment-service; Airflow is light beside the data platform's JVMs),
    which balances the halves: ~16 min of runs with the O2O scenarios, ~14 min for the data platform's."""
    if not STACK_FIXTURES & set(getattr(item, "fixturenames", ())):
        return None
    return GROUP_PROFILES if profiles_of(item) - WITH_THE_CORE else GROUP_CORE


def needs_on_demand(item) -> bool:
    """Does this test use the session stack with an ON_DEMAND profile?"""
    return stack_group(item) is not None and bool(profiles_of(item) & ON_DEMAND)


def profiles_to_start(items: Iterable, first=None, grouped: bool = False, on_demand: bool = False) -> list[str]:
    """The compose profiles a session's stack starts with: those of every collected test, or, when the run is
    grouped, those of the group of the first test that asked for the stack (a later group's are added then).
    With `on_demand` (tests in `in_one_process_order`, which a group keeps), the ON_DEMAND profiles are left
    for their tests to add, unless every stack test (of the group) needs one."""
    items = list(items)
    if grouped and first is not None:
        group = stack_group(first)
        items = [item for item in items if stack_group(item) == group]
    needed = set().union(*map(profiles_of, items))
    if on_demand and any(stack_group(item) and not needs_on_demand(item) for item in items):
        needed -= ON_DEMAND
    return sorted(needed)


def on_demand_rank(item) -> int:
    """0 for a test without an ON_DEMAND profile; else 1 + the place of its first such profile in ON_DEMAND_ORDER."""
    if not needs_on_demand(item):
        return 0
    return 1 + min(ON_DEMAND_ORDER.index(p) for p in profiles_of(item) & ON_DEMAND)


def in_one_process_order(items: list) -> list:
    """The tests that need an ON_DEMAND profile moved to the end, one profile after the other (ON_DEMAND_ORDER),
    keeping every other order. Grouped (xdist), a group keeps its tests' order, so they end their group, and the
    groups still head the queue: a group is placed where its first test was."""
    return sorted(items, key=on_demand_rank)


def profiles_done_after(items: list, kept: Iterable[str] = ()) -> dict[int, list[str]]:
    """After which test (its index in `items`) each profile is needed no more, so its services can go and the rest
    of the session runs without them on the cores: the data platform's once its tests (the on-demand Flink ones the
    last) are done, an on-demand profile after its own. {index: [profiles]}; the `kept` profiles never go (one that
    configures a service of another, stack.PROFILE_ENV). Grouped, the tests of one profile are all in one group, so
    on one worker."""
    last: dict[str, int] = {}
    for index, item in enumerate(items):
        if stack_group(item) is not None:
            for profile in profiles_of(item) - set(kept):
                last[profile] = index
    done: dict[int, list[str]] = {}
    for profile, index in sorted(last.items()):
        done.setdefault(index, []).append(profile)
    return done


def profiles_needed_after(items: list, index: int) -> set[str]:
    """The profiles the stack tests after `items[index]` need (their services stay when an earlier profile goes)."""
    return set().union(*(profiles_of(item) for item in items[index + 1:] if stack_group(item) is not None))


def releases_stack_after(item, nextitem) -> bool:
    """Is `item` the last stack test of its worker? With --no-loadscope-reorder the stack groups head the queue,
    so once the next test uses no stack, none will."""
    return nextitem is not None and stack_group(item) is not None and stack_group(nextitem) is None
