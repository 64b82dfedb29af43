"""The seeded random driver: one step = the clock moves on (running the nights it passes), one
actor acts, every invariant is checked. The same seed and step count repeat a run exactly.

Actors and their weights: staff on the three vans (about half the steps), the main desk, patrons
on the web, syncs at random times with faults, and rarer faults of their own (a van clock hours
off, a backup taken, a laptop restored from its last backup). The run stops at the first broken
invariant, so `Outcome.failed_step` says where to look.
"""

import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bookmobile.errors import BookmobileError
from central.errors import CentralError
from tests.simulation import invariants
from tests.simulation.actions_desk import DESK_ACTIONS, act_at_desk
from tests.simulation.actions_van import VAN_ACTIONS, act_on_van
from tests.simulation.actions_web import WEB_ACTIONS, act_on_web
from tests.simulation.ending import finish
from tests.simulation.faults import back_up, restore_from_backup, skew_clock
from tests.simulation.model import Stats
from tests.simulation.night import advance
from tests.simulation.syncing import pick_fault, sync_van
from tests.simulation.world import START, World, open_world

Action = Callable[[World], bool]
STEPS_PER_DAY = 60


def _random_van(world: World) -> str:
    return world.rng.choice(sorted(world.vans))


def _sync(world: World) -> bool:
    sync_van(world, world.vans[_random_van(world)], pick_fault(world))
    return True  # done even when a fault stopped it: the next sync picks up from central's mark


def _on_random_van(fault: Callable[..., bool]) -> Action:
    return lambda world: fault(world, world.vans[_random_van(world)])


def action_table(fault_boost: float = 1.0) -> dict[str, tuple[float, Action]]:
    """Every action the driver may pick, with its weight. `fault_boost` multiplies the rarer faults'
    weights (and `World.fault_boost` the share of faulty syncs): the short mode raises both, so a few
    hundred steps still meet every fault."""
    table: dict[str, tuple[float, Action]] = {}
    for name, (weight, _) in VAN_ACTIONS.items():
        table[name] = (weight, lambda world, n=name: act_on_van(world, n))
    for name, (weight, _) in DESK_ACTIONS.items():
        table[name] = (weight, lambda world, n=name: act_at_desk(world, n))
    for name, (weight, _) in WEB_ACTIONS.items():
        table[name] = (weight, lambda world, n=name: act_on_web(world, n))
    table["sync"] = (10, _sync)
    table["fault: van clock"] = (0.5 * fault_boost, _on_random_van(skew_clock))
    table["fault: backup"] = (0.8 * fault_boost, _on_random_van(back_up))
    table["fault: restore from backup"] = (0.25 * fault_boost, _on_random_van(restore_from_backup))
    return table


@dataclass
class Outcome:
    """What one run did and found; `violations` empty means every invariant held."""

    seed: int
    steps: int
    steps_run: int = 0
    days: int = 0
    stats: Stats = field(default_factory=Stats)
    violations: list[str] = field(default_factory=list)
    conflicts: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)

    @property
    def failed_step(self) -> int | None:
        return self.steps_run if self.violations else None


def run_simulation(
    seed: int, steps: int, root: Path | None = None, steps_per_day: int = STEPS_PER_DAY, fault_boost: float = 1.0
) -> Outcome:
    """Run `steps` steps from `seed` in `root` (a fresh temporary folder when None)."""
    if root is None:
        with tempfile.TemporaryDirectory(prefix=f"sim-{seed}-") as folder:
            return run_simulation(seed, steps, Path(folder), steps_per_day, fault_boost)
    outcome = Outcome(seed, steps)
    with open_world(seed, root) as world:
        world.fault_boost = fault_boost
        try:
            _steps(world, outcome, steps, steps_per_day, action_table(fault_boost))
            if not world.violations:
                finish(world)
        except Exception:  # an unexpected failure is a finding too: keep the seed and the trace
            world.violations.append(f"step {world.step}: unexpected error:\n{traceback.format_exc()}")
        _collect(world, outcome)
    return outcome


def _steps(
    world: World, outcome: Outcome, steps: int, steps_per_day: int, table: dict[str, tuple[float, Action]]
) -> None:
    names = list(table)
    weights = [table[name][0] for name in names]
    for step in range(1, steps + 1):
        world.step = outcome.steps_run = step
        advance(world, world.rng.expovariate(steps_per_day / 86400))
        name = world.rng.choices(names, weights)[0]
        _act(world, name, table[name][1])
        invariants.after_step(world)
        if world.violations:
            return


def _act(world: World, name: str, action: Action) -> None:
    try:
        done = action(world)
    except (BookmobileError, CentralError) as refusal:
        world.stats.refused[name] += 1
        world.stats.notes[f"refused: {getattr(refusal, 'code', type(refusal).__name__)}"] += 1
        return
    if done:
        world.stats.done[name] += 1
    else:
        world.stats.notes[f"nothing to do: {name}"] += 1


def _collect(world: World, outcome: Outcome) -> None:
    outcome.stats = world.stats
    outcome.violations = world.violations
    outcome.days = (world.clock.now() - START).days
    for kind, status, count in invariants.rows(world, "SELECT kind, status, COUNT(*) FROM conflict GROUP BY 1, 2"):
        outcome.conflicts[f"{kind} ({status})"] += count
    for result, count in invariants.rows(world, "SELECT outcome, COUNT(*) FROM sync_operation GROUP BY 1"):
        outcome.operations[result] += count
