"""What the simulation itself remembers, to judge the system by: every operation a van confirmed
to staff, every password a patron was given and from which day it must work, and the counts the
summary shows.

The ledger is the simulation's own copy of each van's outbox, taken right after each action: it
survives a node killed, restored from an old backup or rebuilt in a new epoch, so "every confirmed
operation reaches central exactly once" can be checked against what staff were told, not against
whatever the van's disk says later.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class Stats:
    """Counters for the summary: actions done and refused, faults, invariant checks, findings."""

    done: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    checks: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)

    def merge(self, other: "Stats") -> None:
        for mine, theirs in (
            (self.done, other.done),
            (self.refused, other.refused),
            (self.faults, other.faults),
            (self.checks, other.checks),
            (self.notes, other.notes),
        ):
            mine.update(theirs)


@dataclass(frozen=True)
class Confirmed:
    """One outbox entry as staff saw it confirmed."""

    seq: int
    op_id: str
    sha256: str
    type: str


NodeEpoch = tuple[str, int]


@dataclass
class OpLedger:
    """Every operation each van confirmed, by (node, epoch) and sequence number.

    A node restored from an old backup numbers its new operations again from where the backup
    stopped, reusing numbers central already holds with other bodies: everything it records is
    kept apart as `diverged` (central must hold them in a `restored_node` conflict, SPEC 9).
    """

    confirmed: dict[NodeEpoch, dict[int, Confirmed]] = field(default_factory=dict)
    diverged: dict[NodeEpoch, list[Confirmed]] = field(default_factory=dict)

    def take(self, where: NodeEpoch, entry: Confirmed, *, restored: bool = False) -> None:
        """Record `entry`; `restored` when it was made on a database put back from a backup."""
        if restored:
            self.diverged.setdefault(where, []).append(entry)
        else:
            self.confirmed.setdefault(where, {}).setdefault(entry.seq, entry)

    def entry(self, where: NodeEpoch, seq: int) -> Confirmed | None:
        return self.confirmed.get(where, {}).get(seq)

    def all_confirmed(self) -> list[tuple[NodeEpoch, Confirmed]]:
        return [(where, entry) for where, entries in self.confirmed.items() for entry in entries.values()]

    def all_diverged(self) -> list[tuple[NodeEpoch, Confirmed]]:
        return [(where, entry) for where, entries in self.diverged.items() for entry in entries]


@dataclass(frozen=True)
class Issue:
    """A password a patron was given (desk, van) or chose (web), and from which day it must work.

    `at` orders the issues as central must (SPEC 11: the later one wins): the desk's and the web's
    instant, or a van operation's effective time at central.
    """

    password: str
    at: datetime
    works_from: date
    source: str


@dataclass
class Credentials:
    """The passwords each card holder knows, and which one central must accept (R4-R7, SPEC 11)."""

    issues: dict[str, list[Issue]] = field(default_factory=dict)
    # Van-issued passwords waiting for central, by operation id: (card, password).
    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, card: str, issue: Issue) -> None:
        self.issues.setdefault(card, []).append(issue)

    def current(self, card: str) -> Issue | None:
        """The issue that must work now: the latest by `at` (SPEC 11: the later one wins); of two at
        the same instant (a van's operations placed at one instant, SPEC 8) the one learnt last:
        central keeps its own password only when it is strictly newer than the van's operation."""
        issues = self.issues.get(card)
        if not issues:
            return None
        return issues[max(range(len(issues)), key=lambda n: (issues[n].at, n))]

    def superseded(self, card: str) -> list[str]:
        """Passwords the patron held before the current one (R7: they must fail)."""
        current = self.current(card)
        return [i.password for i in self.issues.get(card, []) if current and i.password != current.password]

    def cards(self) -> list[str]:
        return sorted(self.issues)
