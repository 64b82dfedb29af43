"""What central sends each bookmobile so it can work offline (B6).

Only what the desk needs, because a van can be stolen: a roster entry has the card number, the
name and its reading (to confirm who is at the counter), whether the patron may borrow, how many
loans are open, and whether an internet account exists. No address, phone or birth date: R1 is
checked against `internet_eligible_from` instead.

`node_applied_seq` says up to which of this node's own operations the snapshot already reflects,
so the van can drop the matching parts of its local view and keep the rest on top.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sync_protocol.codec import FormatError, canonical_json, from_plain, to_plain
from sync_protocol.policy import CirculationPolicy

SNAPSHOT_FORMAT = 1


class ItemState(StrEnum):
    """A copy's state; the same values as central's item status."""

    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    ON_HOLD_SHELF = "on_hold_shelf"
    IN_TRANSIT = "in_transit"
    MISSING = "missing"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class RosterEntry:
    """A card holder as the desk sees it."""

    card_number: str
    name: str
    name_reading: str
    blocked: bool
    open_loans: int
    has_internet_account: bool
    internet_eligible_from: date


@dataclass(frozen=True)
class TitleEntry:
    """A title the van carries copies of; `holds_waiting` counts open holds at central (R9)."""

    bib_id: int
    title: str
    holds_waiting: int


@dataclass(frozen=True)
class CarriedItem:
    """A copy the van carries or lent.

    `hold_id` is the hold this copy is caught for (on the hold shelf) or targeted by (on the shelf,
    R14; or on loan, so that its return goes to the hold).
    """

    barcode: str
    bib_id: int
    status: ItemState
    due_date: date | None = None
    borrower_card: str | None = None
    renewal_count: int = 0
    hold_id: int | None = None


class HoldState(StrEnum):
    """Where a hold for one of the van's stops stands, as the counter tells the patron."""

    ON_VAN = "on_van"  # the copy travels on the van: hand it over at the stop
    TO_LOAD = "to_load"  # a copy is caught and waits at the main library to be loaded onto the van
    QUEUED = "queued"  # no copy yet (barcode ""): it comes once one is returned


@dataclass(frozen=True)
class HoldToHandOver:
    """A hold to be handed over at `stop_code`, one of the van's stops; `state` says where its copy is."""

    hold_id: int
    card_number: str
    bib_id: int
    barcode: str
    stop_code: str
    pickup_deadline: date | None = None
    state: HoldState = HoldState.ON_VAN


@dataclass(frozen=True)
class Stop:
    """A stop (ステーション) the van serves."""

    code: str
    name: str


@dataclass(frozen=True)
class Visit:
    """One visit of the timetable: the van at `stop_code` on `day`, from `starts` to `ends`
    (Tokyo "HH:MM"). Cancelled visits (a holiday, a breakdown) are sent too, so the van can say so."""

    stop_code: str
    day: date
    starts: str
    ends: str
    route_code: str = ""
    cancelled: bool = False


@dataclass(frozen=True)
class CardNumberBlock:
    """A range of card numbers only this van may give out (so two vans never issue the same one)."""

    first: str
    last: str

    def __post_init__(self) -> None:
        if not (self.first.isdigit() and self.last.isdigit()) or len(self.first) != len(self.last):
            raise ValueError("a card block is two card numbers of the same length")
        if self.first > self.last:
            raise ValueError("a card block's first number is after its last")

    def __contains__(self, card_number: object) -> bool:
        return (
            isinstance(card_number, str)
            and len(card_number) == len(self.first)
            and self.first <= card_number <= self.last
        )

    def number_at(self, offset: int) -> str:
        """The card number `offset` places after `first` (zero-padded to the block's width)."""
        return str(int(self.first) + offset).zfill(len(self.first))

    @property
    def size(self) -> int:
        return int(self.last) - int(self.first) + 1


@dataclass(frozen=True)
class Snapshot:
    """Everything a van needs to work offline, as of `generated_at` at central."""

    node_id: str
    generated_at: datetime
    library_name: str
    policy: CirculationPolicy
    stops: tuple[Stop, ...]
    card_blocks: tuple[CardNumberBlock, ...]
    titles: tuple[TitleEntry, ...]
    items: tuple[CarriedItem, ...]
    holds: tuple[HoldToHandOver, ...]
    roster: tuple[RosterEntry, ...]
    cursor: int = 0
    node_applied_seq: int = 0
    format: int = SNAPSHOT_FORMAT
    # The timetable of the van's stops for the coming weeks (sent whole on every pull).
    visits: tuple[Visit, ...] = ()

    def __post_init__(self) -> None:
        if self.format != SNAPSHOT_FORMAT:
            raise ValueError(f"snapshot format {self.format} is not supported (expected {SNAPSHOT_FORMAT})")

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Snapshot":
        """Rebuild a snapshot, refusing any field of the wrong shape (FormatError)."""
        snapshot = from_plain(cls, data)
        _check_references(snapshot)
        return snapshot

    def to_json(self) -> bytes:
        return canonical_json(self)

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Snapshot":
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FormatError("", f"not JSON: {exc}") from exc
        return cls.from_dict(data)


def _check_references(snapshot: Snapshot) -> None:
    """Every item names a title the snapshot lists, and every hold and visit a stop it lists."""
    bib_ids = {t.bib_id for t in snapshot.titles}
    stop_codes = {s.code for s in snapshot.stops}
    for index, item in enumerate(snapshot.items):
        if item.bib_id not in bib_ids:
            raise FormatError(f"items[{index}]", f"title {item.bib_id} is not in titles")
    for index, hold in enumerate(snapshot.holds):
        if hold.stop_code not in stop_codes:
            raise FormatError(f"holds[{index}]", f"stop {hold.stop_code!r} is not in stops")
    for index, visit in enumerate(snapshot.visits):
        if visit.stop_code not in stop_codes:
            raise FormatError(f"visits[{index}]", f"stop {visit.stop_code!r} is not in stops")
