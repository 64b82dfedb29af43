"""The set-based lane of a batch's intake: the operations central agrees with (B3 at speed).

`ingest` offers every operation here first. What `central.services.agreed.AgreedRun` accepts is
recorded in memory and written in bulk, with its `sync_operation` row; what it declines goes
through `apply.apply_payload` and the per-operation services, which find the disagreement. Before
such an operation the lane writes what it holds (so the services see it); after it, the lane
forgets what it read and reads again for the operations still to come (the services may have
changed any of it).
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table

from central.bulk import insert_rows
from central.models import SyncOperation
from central.services.agreed import AgreedRun
from central.services.context import ServiceContext
from central.services.patrons import Registration
from sync_protocol import operations as ops

_OPERATION: Table = SyncOperation.__table__  # type: ignore[attr-defined]
# The columns of an operation's row as the ingest builds it (a tuple: a batch builds a thousand).
OPERATION_COLUMNS = (
    "op_id",
    "node_id",
    "epoch",
    "seq",
    "sha256",
    "type",
    "stop_code",
    "body",
    "wall_time",
    "effective_at",
    "outcome",
    "code",
    "received_at",
)


def _register(run: AgreedRun, ctx: ServiceContext, p: ops.RegisterPatron, _: datetime) -> bool:
    form = Registration(p.card_number, p.name, p.name_reading, p.birth_date, p.address, p.phone, p.email)
    return run.register(ctx, form)


def _apply_account(run: AgreedRun, ctx: ServiceContext, p: ops.ApplyInternetService, received_at: datetime) -> bool:
    return run.apply_internet_service(ctx, p.card_number, p.id_document_kind, p.password_hash, received_at)


def _change_email(run: AgreedRun, ctx: ServiceContext, p: ops.ChangeEmail, _: datetime) -> bool:
    return run.change_email(ctx, p.card_number, p.email)


def _lend(run: AgreedRun, ctx: ServiceContext, p: ops.Lend, _: datetime) -> bool:
    return run.lend(ctx, p.card_number, p.barcode, p.due_date)


def _return(run: AgreedRun, ctx: ServiceContext, p: ops.Return, _: datetime) -> bool:
    return run.return_item(ctx, p.barcode)


def _renew(run: AgreedRun, ctx: ServiceContext, p: ops.Renew, _: datetime) -> bool:
    return run.renew(ctx, p.card_number, p.barcode, p.new_due)


# Re-issues, hand-overs and loads are rare and touch holds or passwords: always the services.
_TAKERS: dict[ops.OperationType, Callable[[AgreedRun, ServiceContext, Any, datetime], bool]] = {
    ops.OperationType.REGISTER_PATRON: _register,
    ops.OperationType.APPLY_INTERNET_SERVICE: _apply_account,
    ops.OperationType.CHANGE_EMAIL: _change_email,
    ops.OperationType.LEND: _lend,
    ops.OperationType.RETURN: _return,
    ops.OperationType.RENEW: _renew,
}


# After the services applied an operation, the lane reads again for at most this many of the coming
# operations (and the next ones when it gets there): a batch with many disagreements would
# otherwise read the rest of the batch again after each of them.
RELOAD_WINDOW = 256


class AgreedLane:
    """One batch's agreed operations, held until `write`.

    The lane has read what operations `[..., ready_until)` refer to; `read_ahead` reads further
    before an operation past that point is offered to it.
    """

    def __init__(self, ctx: ServiceContext) -> None:
        self._session = ctx.session
        self._run = AgreedRun(ctx.session, ctx.policy)
        self._operations: list[tuple[Any, ...]] = []
        self.ready_until = 0

    def prepare(self, operations: Sequence[ops.Operation], start: int, count: int | None = None) -> None:
        """Read what `operations[start:start + count]` (all the rest by default) refer to, in a few
        set queries; what was read already stays as it is."""
        end = len(operations) if count is None else min(len(operations), start + count)
        cards: set[str] = set()
        barcodes: set[str] = set()
        birth_dates: set[date] = set()
        email_cards: set[str] = set()
        for op in operations[start:end]:
            payload = op.payload
            if op.type not in _TAKERS:
                continue
            card = getattr(payload, "card_number", None)
            if card is not None:
                cards.add(card)
            barcode = getattr(payload, "barcode", None)
            if barcode is not None:
                barcodes.add(barcode)
            if isinstance(payload, ops.RegisterPatron):
                birth_dates.add(payload.birth_date)
            elif isinstance(payload, ops.ChangeEmail):
                email_cards.add(payload.card_number)
        self._run.load(cards, barcodes, birth_dates, email_cards)
        self.ready_until = end

    def read_ahead(self, operations: Sequence[ops.Operation], position: int) -> None:
        """Make sure what `operations[position]` refers to has been read."""
        if position >= self.ready_until:
            self.prepare(operations, position, RELOAD_WINDOW)

    def take(self, ctx: ServiceContext, op: ops.Operation, received_at: datetime, row: tuple[Any, ...]) -> bool:
        """Record `op` here if central agrees with it; `row` is its `sync_operation` row (`OPERATION_COLUMNS`)."""
        taker = _TAKERS.get(op.type)
        if taker is None or not taker(self._run, ctx, op.payload, received_at):
            return False
        self._operations.append(row)
        return True

    def write(self) -> None:
        """Write what the lane holds, in the caller's transaction (before the services apply an
        operation too, so that they read the rows as they now are)."""
        self._run.write()
        if self._operations:
            insert_rows(self._session.connection(), _OPERATION, OPERATION_COLUMNS, self._operations)
            self._operations = []

    def reload(self, operations: Sequence[ops.Operation], start: int) -> None:
        """After the services applied an operation: what was read may have changed; forget it and
        read again for the next `RELOAD_WINDOW` operations from `start`."""
        self._run.forget()
        self.prepare(operations, start, RELOAD_WINDOW)
