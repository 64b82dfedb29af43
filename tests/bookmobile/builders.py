"""Snapshots and nodes for tests: a small van with known patrons, items and holds."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bookmobile.desk.forms import NewPatron
from bookmobile.desk.setup import load_snapshot, set_stop
from bookmobile.node import Node, init_node
from bookmobile.settings import Settings
from sync_protocol.policy import Calendar, CirculationPolicy
from sync_protocol.snapshot import (
    CardNumberBlock,
    CarriedItem,
    HoldToHandOver,
    ItemState,
    RosterEntry,
    Snapshot,
    Stop,
    TitleEntry,
)

NODE_ID = "van-1"
STOP = "S01"
OTHER_STOP = "S02"
# Wednesday 2025-06-04, 10:00 in Tokyo.
NOON = datetime(2025, 6, 4, 1, 0, tzinfo=UTC)

TARO = "1000000001"  # adult, can borrow, has no internet account
HANAKO = "1000000002"  # has an internet account
BLOCKED = "1000000003"
CHILD = "1000000004"  # elementary school: not eligible for the internet service (R1)
FULL = "1000000005"  # at the loan limit


@dataclass
class FixedClock:
    """A clock tests move by hand."""

    moment: datetime = NOON

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def roster() -> list[RosterEntry]:
    eligible = date(2000, 4, 1)
    return [
        RosterEntry(TARO, "山田 太郎", "ヤマダ タロウ", False, 0, False, eligible),
        RosterEntry(HANAKO, "佐藤 花子", "サトウ ハナコ", False, 1, True, eligible),
        RosterEntry(BLOCKED, "鈴木 一郎", "スズキ イチロウ", True, 0, False, eligible),
        RosterEntry(CHILD, "田中 みく", "タナカ ミク", False, 0, False, date(2029, 4, 1)),
        RosterEntry(FULL, "高橋 次郎", "タカハシ ジロウ", False, 10, False, eligible),
    ]


def titles() -> list[TitleEntry]:
    return [
        TitleEntry(1, "吾輩は猫である", 0),
        TitleEntry(2, "坊っちゃん", 0),
        TitleEntry(3, "こころ", 2),  # two holds wait for the title at central
        TitleEntry(4, "銀河鉄道の夜", 0),
        TitleEntry(5, "羅生門", 0),
    ]


def items() -> list[CarriedItem]:
    on_loan = date(2025, 6, 10)
    return [
        CarriedItem("B0001", 1, ItemState.AVAILABLE),
        CarriedItem("B0002", 1, ItemState.AVAILABLE),
        CarriedItem("B0003", 2, ItemState.AVAILABLE, hold_id=70),  # R14: a queued hold targets this shelf copy
        CarriedItem("B0004", 3, ItemState.ON_LOAN, on_loan, HANAKO, 0),  # holds wait for the title
        CarriedItem("B0005", 4, ItemState.ON_LOAN, on_loan, HANAKO, 0),
        CarriedItem("B0006", 4, ItemState.ON_LOAN, on_loan, TARO, 1),  # already renewed once
        CarriedItem("B0007", 4, ItemState.ON_LOAN, date(2025, 6, 1), TARO, 0),  # overdue
        CarriedItem("B0008", 5, ItemState.ON_HOLD_SHELF, hold_id=71),  # for HANAKO at S01
        CarriedItem("B0009", 5, ItemState.ON_HOLD_SHELF, hold_id=72),  # for TARO at S02
        CarriedItem("B0010", 2, ItemState.ON_LOAN, on_loan, TARO, 0, hold_id=73),  # a hold waits for this copy
        CarriedItem("B0011", 2, ItemState.WITHDRAWN),
        *[CarriedItem(f"C{n:04d}", 1, ItemState.AVAILABLE) for n in range(1, 31)],
    ]


def holds() -> list[HoldToHandOver]:
    return [
        HoldToHandOver(71, HANAKO, 5, "B0008", STOP, date(2025, 6, 18)),
        HoldToHandOver(72, TARO, 5, "B0009", OTHER_STOP, date(2025, 6, 18)),
    ]


@dataclass
class SnapshotSpec:
    """Overrides for the standard snapshot."""

    node_id: str = NODE_ID
    generated_at: datetime = NOON - timedelta(hours=12)
    roster: list[RosterEntry] = field(default_factory=roster)
    items: list[CarriedItem] = field(default_factory=items)
    holds: list[HoldToHandOver] = field(default_factory=holds)
    card_blocks: list[CardNumberBlock] = field(default_factory=lambda: [CardNumberBlock("2000000000", "2000000099")])
    node_applied_seq: int = 0


def make_snapshot(spec: SnapshotSpec | None = None) -> Snapshot:
    spec = spec or SnapshotSpec()
    return Snapshot(
        node_id=spec.node_id,
        generated_at=spec.generated_at,
        library_name="宜野湾市民図書館",
        policy=CirculationPolicy(max_loans=10, calendar=Calendar(closed_weekdays=frozenset({0}))),
        stops=(Stop(STOP, "大山公民館"), Stop(OTHER_STOP, "真志喜児童センター")),
        card_blocks=tuple(spec.card_blocks),
        titles=tuple(titles()),
        items=tuple(spec.items),
        holds=tuple(spec.holds),
        roster=tuple(spec.roster),
        node_applied_seq=spec.node_applied_seq,
    )


def new_patron_form(**changes: object) -> NewPatron:
    """A valid registration form, as staff would type it (full-width digits included)."""
    values: dict = {
        "name": "比嘉 さくら",
        "name_reading": "ひが さくら",
        "birth_date": date(1985, 7, 7),
        "address": "宜野湾市野嵩１－２－３",
        "phone": "０９８－８９２－００００",
        "email": None,
    }
    values.update(changes)
    return NewPatron(**values)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, busy_timeout_ms=200, **overrides)


def ready_node(data_dir: Path, clock: FixedClock | None = None, spec: SnapshotSpec | None = None) -> Node:
    """An initialised node with the standard snapshot, standing at STOP."""
    node = init_node(make_settings(data_dir), NODE_ID, clock or FixedClock())
    load_snapshot(node, make_snapshot(spec))
    set_stop(node, STOP)
    return node
