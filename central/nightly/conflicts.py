"""The nightly step for conflict rows (B5): settle automatic conflicts nobody reviewed, and forget
the details of decided ones and the words of stored receipts (no reading history).

Runs before `anonymise_loans`, so an operation a conflict settled tonight no longer needs loses
its body the same night.
"""

from central.nightly.night import Night, StepResult
from central.nightly.steps import anonymisation_cutoff, forgetting_cutoff
from central.sync.resolution import settle_unreviewed
from central.sync.retention import forget_decided_conflicts, forget_receipt_messages


def settle_conflicts(night: Night) -> StepResult:
    """Automatic conflicts raised more than `conflict_review_days` whole days ago are confirmed as
    they stand; decided conflicts and stored receipts forget what named a card or a barcode, with
    the same grace as returned loans."""
    review_days = night.settings.conflict_review_days
    # Raised before the start of the Tokyo day `review_days` ago: reviewable through the whole of
    # the window's last day.
    raised_before = forgetting_cutoff(night.run_date, review_days + 1)
    settled = settle_unreviewed(night.service_ctx(), raised_before, review_days)
    cutoff = anonymisation_cutoff(night)
    forgotten = forget_decided_conflicts(night.service_ctx(), cutoff)
    receipts = forget_receipt_messages(night.service_ctx(), cutoff)
    return StepResult({"settled": len(settled), "facts_forgotten": forgotten, "receipts_forgotten": receipts})
