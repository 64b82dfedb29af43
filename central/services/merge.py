"""Merging two records of the same person (SPEC 6: registered at the desk and on a van, or on two vans).

The kept record takes over everything the other one has: loans (open and past), holds, blocks, the
internet-service account, and contact details it lacks. The other record stays, marked "merged"
with `merged_into_id`, so its card number, the audit trail and old conflicts still lead somewhere.
"""

from dataclasses import dataclass

from sqlmodel import col, select

from central.errors import InvalidInput, RuleRefused
from central.models import Hold, HoldStatus, InternetAccount, Loan, Patron, PatronBlock, PatronStatus
from central.models.circulation import OPEN_HOLD_STATUSES
from central.services import audit
from central.services.accounts import account_of
from central.services.context import ServiceContext, transaction
from central.services.holds import cancel_hold

# A hold further along wins when both records hold the same title.
_HOLD_PROGRESS = {HoldStatus.READY: 0, HoldStatus.IN_TRANSIT: 1, HoldStatus.QUEUED: 2}


@dataclass(frozen=True)
class MergeReport:
    """What moved to the kept record."""

    kept_id: int
    merged_id: int
    loans: int
    holds_moved: int
    holds_cancelled: tuple[int, ...]
    account: str  # "none", "kept", "moved" or "replaced"
    blocks: int


def _ensure_mergeable(keep: Patron, drop: Patron) -> None:
    if keep.id == drop.id:
        raise InvalidInput(
            "merge_same_patron", "同じ利用者どうしは統合できません。", "Cannot merge a record into itself."
        )
    for patron in (keep, drop):
        if patron.status != PatronStatus.ACTIVE:
            raise RuleRefused(
                "merge_inactive_patron",
                f"利用者({patron.card_number})はすでに統合済みか、利用を終了しています。",
                f"Patron {patron.card_number} is no longer active.",
            )


def _move_loans(ctx: ServiceContext, keep: Patron, drop: Patron) -> int:
    loans = ctx.session.exec(select(Loan).where(Loan.patron_id == drop.id)).all()
    for loan in loans:
        loan.patron_id = keep.id
        ctx.session.add(loan)
    return len(loans)


def _progress(hold: Hold) -> tuple[int, int]:
    return _HOLD_PROGRESS.get(HoldStatus(hold.status), 3), hold.queue_number


def _move_holds(ctx: ServiceContext, keep: Patron, drop: Patron) -> tuple[int, list[int]]:
    """Holds follow the kept record; where both hold one title, the hold further along stays."""
    kept_open = {
        h.bib_id: h
        for h in ctx.session.exec(
            select(Hold).where(Hold.patron_id == keep.id, col(Hold.status).in_(OPEN_HOLD_STATUSES))
        )
    }
    moved, cancelled = 0, []
    for hold in ctx.session.exec(select(Hold).where(Hold.patron_id == drop.id)).all():
        twin = kept_open.get(hold.bib_id) if hold.status in OPEN_HOLD_STATUSES else None
        if twin is not None:
            loser = hold if _progress(twin) <= _progress(hold) else twin
            cancel_hold(ctx, loser)
            cancelled.append(loser.id)  # type: ignore[arg-type]
            if loser is hold:
                continue
        hold.patron_id = keep.id
        ctx.session.add(hold)
        moved += 1
    return moved, cancelled


def _newest(account: InternetAccount) -> object:
    return max(t for t in (account.password_changed_at, account.issued_at) if t is not None)


def _move_account(ctx: ServiceContext, keep: Patron, drop: Patron) -> str:
    """One account per patron: the one whose password was set most recently is the one in use."""
    kept, dropped = account_of(ctx, keep), account_of(ctx, drop)
    if dropped is None:
        return "kept" if kept is not None else "none"
    if kept is not None:
        if _newest(kept) >= _newest(dropped):  # type: ignore[operator]
            ctx.session.delete(dropped)
            return "kept"
        ctx.session.delete(kept)
        ctx.session.flush()
    dropped.patron_id = keep.id  # type: ignore[assignment]
    ctx.session.add(dropped)
    return "moved" if kept is None else "replaced"


def _move_blocks(ctx: ServiceContext, keep: Patron, drop: Patron) -> int:
    blocks = ctx.session.exec(select(PatronBlock).where(PatronBlock.patron_id == drop.id)).all()
    for block in blocks:
        block.patron_id = keep.id  # type: ignore[assignment]
        ctx.session.add(block)
    return len(blocks)


def _fill_contact(keep: Patron, drop: Patron) -> list[str]:
    filled = []
    for name in ("email", "phone", "address"):
        if not getattr(keep, name) and getattr(drop, name):
            setattr(keep, name, getattr(drop, name))
            filled.append(name)
    return filled


def merge_patrons(ctx: ServiceContext, keep: Patron, drop: Patron) -> MergeReport:
    """Fold `drop` into `keep` in one transaction (a savepoint inside a conflict decision)."""
    _ensure_mergeable(keep, drop)
    with transaction(ctx.session):
        loans = _move_loans(ctx, keep, drop)
        moved, cancelled = _move_holds(ctx, keep, drop)
        account = _move_account(ctx, keep, drop)
        blocks = _move_blocks(ctx, keep, drop)
        filled = _fill_contact(keep, drop)
        drop.status = PatronStatus.MERGED
        drop.merged_into_id = keep.id
        ctx.session.add_all([keep, drop])
        ctx.session.flush()
        report = MergeReport(keep.id, drop.id, loans, moved, tuple(cancelled), account, blocks)  # type: ignore[arg-type]
        audit.record(
            ctx,
            "patron.merge",
            "patron",
            drop.id,
            before={"status": PatronStatus.ACTIVE, "card_number": drop.card_number},
            after={
                "status": drop.status,
                "merged_into_id": keep.id,
                "kept_card_number": keep.card_number,
                "loans": loans,
                "holds_moved": moved,
                "holds_cancelled": list(cancelled),
                "account": account,
                "blocks": blocks,
                "contact_filled": filled,
            },
        )
        return report
