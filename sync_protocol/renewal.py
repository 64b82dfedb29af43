"""R9: when a loan may be renewed, and until when.

Allowed only if the loan is not overdue, no hold is waiting for the title, and the loan was
never renewed before. The van evaluates this against its snapshot (it cannot see holds placed
at central since); central evaluates it again when the operation arrives (SPEC disagreement 4).
"""

from dataclasses import dataclass
from datetime import date

from sync_protocol.due_dates import due_date_for_renewal
from sync_protocol.policy import CirculationPolicy
from sync_protocol.refusal import Refusal

OVERDUE = Refusal(
    code="renewal_overdue",
    ja="返却期限を過ぎているため延長できません。",
    en="The loan is overdue and cannot be renewed.",
)
HOLD_WAITING = Refusal(
    code="renewal_hold_waiting",
    ja="この資料には予約が入っているため延長できません。",
    en="Another patron is waiting for this title, so it cannot be renewed.",
)
ALREADY_RENEWED = Refusal(
    code="renewal_already_renewed",
    ja="この資料はすでに延長済みのため、これ以上延長できません。",
    en="This loan has already been renewed once.",
)


@dataclass(frozen=True)
class RenewalCheck:
    """The outcome of R9: either a new due date or the reason for refusal."""

    new_due: date | None
    refusal: Refusal | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def renewals_used_up(renewal_count: int, policy: CirculationPolicy) -> bool:
    """R9's "never renewed before", for a loan renewed `renewal_count` times (the policy's limit)."""
    return renewal_count >= policy.max_renewals


def check_renewal(
    *,
    due: date,
    renewal_count: int,
    holds_waiting: int,
    today: date,
    policy: CirculationPolicy,
) -> RenewalCheck:
    """Apply R9 on `today` to a loan due on `due` that was renewed `renewal_count` times."""
    if today > due:
        return RenewalCheck(None, OVERDUE)
    if renewals_used_up(renewal_count, policy):
        return RenewalCheck(None, ALREADY_RENEWED)
    if holds_waiting > 0:
        return RenewalCheck(None, HOLD_WAITING)
    return RenewalCheck(due_date_for_renewal(today, policy), None)
