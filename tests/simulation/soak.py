"""`scripts/soak`: the simulation's long mode - many seeds, thousands of steps each, a summary table.

Exits 1 when an invariant breaks, after printing the violations and the command that repeats the
failing run exactly (`scripts/soak --seed S --steps N`). With `--shrink`, it first looks for the
fewest steps that still fail (a run of N steps is the first N steps of any longer run with the
same seed, so the failing step itself repeats; failures found only at the end need the search).
"""

import argparse
import sys
import time
from collections.abc import Callable

from rich.console import Console

from tests.simulation.driver import STEPS_PER_DAY, Outcome, run_simulation
from tests.simulation.summary import render


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/soak", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="steps per seed (default 3000)")
    parser.add_argument("--seed", type=int, help="run this one seed only")
    parser.add_argument("--seeds", type=int, default=8, help="how many seeds, from --first-seed (default 8)")
    parser.add_argument("--first-seed", type=int, default=1, help="first seed of the series (default 1)")
    parser.add_argument("--steps-per-day", type=int, default=STEPS_PER_DAY, help="steps in a simulated day")
    parser.add_argument("--shrink", action="store_true", help="on failure, find the fewest steps that still fail")
    return parser.parse_args(argv)


def shrink(seed: int, steps: int, run: Callable[[int, int], Outcome]) -> int:
    """The fewest steps (at most `steps`) with which `seed` still breaks an invariant."""
    low, high = 1, steps
    while low < high:
        middle = (low + high) // 2
        if run(seed, middle).violations:
            high = middle
        else:
            low = middle + 1
    return high


def _report_failure(console: Console, outcome: Outcome, steps_per_day: int, shrunk: int | None) -> None:
    console.print(f"[bold red]Invariant broken[/bold red] with seed {outcome.seed} at step {outcome.failed_step}:")
    for violation in outcome.violations:
        console.print(f"  {violation}", markup=False, highlight=False)
    steps = shrunk or outcome.failed_step
    extra = "" if steps_per_day == STEPS_PER_DAY else f" --steps-per-day {steps_per_day}"
    console.print(f"Repeat it: scripts/soak --seed {outcome.seed} --steps {steps}{extra}", markup=False)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    console = Console()
    seeds = [args.seed] if args.seed is not None else list(range(args.first_seed, args.first_seed + args.seeds))
    started = time.monotonic()
    outcomes: list[Outcome] = []

    def run(seed: int, steps: int) -> Outcome:
        return run_simulation(seed, steps, steps_per_day=args.steps_per_day)

    for seed in seeds:
        began = time.monotonic()
        outcome = run(seed, args.steps)
        outcomes.append(outcome)
        verdict = "[red]FAILED[/red]" if outcome.violations else "ok"
        took = time.monotonic() - began
        console.print(f"seed {seed}: {outcome.steps_run} steps, {outcome.days} days, {took:.0f} s, {verdict}")
        if outcome.violations:
            shrunk = shrink(seed, outcome.steps_run, run) if args.shrink else None
            render(console, outcomes, time.monotonic() - started)
            _report_failure(console, outcome, args.steps_per_day, shrunk)
            return 1
    render(console, outcomes, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
