"""The soak run's summary: what was done, what central made of it, which faults were injected, and
how many invariant checks passed - one Rich table per question, summed over the seeds."""

from collections import Counter
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from tests.simulation.driver import Outcome
from tests.simulation.model import Stats

GROUPS = (("van.", "van staff"), ("desk.", "main desk"), ("web.", "web patrons"), ("sync", "syncs"))


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for n, column in enumerate(columns):
        table.add_column(column, justify="left" if n == 0 else "right")
    return table


def operations_done(stats: Stats) -> int:
    """Actions that did something: van and desk operations, web actions, syncs and nightly runs."""
    return sum(stats.done.values())


def _operations(stats: Stats) -> Table:
    table = _table("Operations", "actor / action", "done", "refused by a rule")
    for prefix, label in GROUPS:
        names = sorted({n for n in (*stats.done, *stats.refused) if n.startswith(prefix)})
        table.add_row(
            f"[bold]{label}[/bold]", str(sum(stats.done[n] for n in names)), str(sum(stats.refused[n] for n in names))
        )
        for name in names:
            table.add_row(f"  {name}", str(stats.done[name]), str(stats.refused[name]))
    others = sorted(n for n in stats.done if not any(n.startswith(p) for p, _ in GROUPS))
    for name in others:
        table.add_row(name, str(stats.done[name]), str(stats.refused[name]))
    table.add_row("[bold]total[/bold]", str(operations_done(stats)), str(sum(stats.refused.values())))
    return table


def _counts(title: str, column: str, counts: Counter[str]) -> Table:
    table = _table(title, column, "count")
    for name, count in sorted(counts.items()):
        table.add_row(name, str(count))
    table.add_row("[bold]total[/bold]", str(sum(counts.values())))
    return table


def render(console: Console, outcomes: Iterable[Outcome], seconds: float) -> None:
    """Print the summary of `outcomes` (one or more seeds)."""
    runs = list(outcomes)
    stats, conflicts, operations = Stats(), Counter[str](), Counter[str]()
    for outcome in runs:
        stats.merge(outcome.stats)
        conflicts.update(outcome.conflicts)
        operations.update(outcome.operations)
    run = _table("Run", "", "")
    run.add_row("seeds", ", ".join(str(o.seed) for o in runs))
    run.add_row("steps", str(sum(o.steps_run for o in runs)))
    run.add_row("simulated days", str(sum(o.days for o in runs)))
    run.add_row("wall-clock seconds", f"{seconds:.0f}")
    run.add_row("invariant violations", str(sum(len(o.violations) for o in runs)))
    for table in (
        run,
        _operations(stats),
        _counts("Van operations central took in, by outcome", "outcome", operations),
        _counts("Conflicts by kind (status)", "kind", conflicts),
        _counts("Faults injected", "fault", stats.faults),
        _counts("Invariant checks passed", "invariant", stats.checks),
        _counts("Other counts", "what", stats.notes),
    ):
        console.print(table)
