"""The promises the whole system must keep, checked against the simulation's own memory.

`after_step` runs after every step; it is incremental where the tables only grow (operations
central took in, operations a van marked sent), so a long run stays linear. `after_night` runs
after each nightly job, `views_agree` after each sync that completed with nothing left to send,
and `at_end` once the vans have drained their outboxes.
"""

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, or_, text
from sqlmodel import col, select

from bookmobile.store.connection import reading
from bookmobile.store.snapshot_tables import read_snapshot
from central.db import new_session
from central.mail.transport import notice_files
from central.models import Conflict, ConflictStatus, Hold, SyncOperation
from central.models.circulation import CLOSED_HOLD_STATUSES, OPEN_HOLD_STATUSES
from central.nightly.job import NightlyReport
from central.nightly.steps import forgetting_cutoff
from central.services.holds import queue_place
from central.sync.devices import node_by_code
from central.sync.downstream import full_snapshot
from sync_protocol.changes import ScopeChecksums
from tests.simulation.mailroom import Route
from tests.simulation.vans import Van
from tests.simulation.world import World

OPS_MATCH = "every operation central holds is one a van confirmed, with the same body (B2, B3)"
HELD = "an operation not applied cleanly is held in a conflict of its kind (B5)"
ACKED = "every operation a van marked sent is at central (B3)"
ACCOUNTED = "every confirmed operation is applied exactly once or held in a conflict (B2, B3, SPEC 9)"
ONE_LOAN = "no copy is on two open loans"
LENT_ONCE = "no lend is applied twice: a copy's loans at one instant never outnumber the lends placed there"
ON_LOAN = "a copy is on loan exactly when it has an open loan"
PLACES = "hold places per title are 1..N over the open holds (R13)"
CAUGHT = "a copy is caught or targeted by at most one open hold, in the matching state"
ACTIVE_FROM = "each internet account is active from the right day (R4, R5)"
NOTICE_KEYS = "one notice per patron, event and object in the ledger (R10)"
SENT_ONCE = "each notice is delivered at most once, and every delivery is a notice marked sent (R10)"
FORGOTTEN = "no returned loan is linked to its patron after the nightly job"
HOLDS_FORGOTTEN = "no hold closed before the night's cutoff is linked to its patron after the nightly job"
BODIES_FORGOTTEN = (
    "no operation central took in before the night's cutoff keeps its body after the nightly job,"
    " unless an open or automatic conflict still refers to it"
)
CONFLICTS_FORGOTTEN = (
    "after the nightly job no conflict decided before the cutoff keeps its facts, and no automatic"
    " conflict outlives its review window (B5)"
)
MAIL_FILES_FORGOTTEN = (
    "after a night that wrote mail to the folder, every message file there is a notice the ledger holds"
)
NIGHT_OK = "every nightly step succeeds"
VIEWS = "after a full sync the van's view is central's snapshot, with no local changes left (B6)"


def rows(world: World, sql: str, **params: Any) -> list[Any]:
    with world.engine.connect() as connection:
        return list(connection.execute(text(sql), params).all())


def after_step(world: World) -> None:
    operations_match_ledger(world)
    for van in world.vans.values():
        acknowledged_at_central(world, van)
    loans_consistent(world)
    holds_consistent(world)
    accounts_active_from(world)
    duplicates = rows(world, "SELECT patron_id, event, object_id FROM notice GROUP BY 1, 2, 3 HAVING COUNT(*) > 1")
    world.check(NOTICE_KEYS, not duplicates, f"{duplicates[:3]}")


def operations_match_ledger(world: World) -> None:
    """Operations central took in since the last check: each one a van confirmed, each outcome backed."""
    taken = rows(
        world,
        "SELECT o.id, n.code, o.epoch, o.seq, o.op_id, o.sha256, o.outcome, o.code FROM sync_operation o"
        " JOIN sync_node n ON n.id = o.node_id WHERE o.id > :last ORDER BY o.id",
        last=world.checked_operation,
    )
    if not taken:
        return
    kinds: dict[int, set[str]] = {}
    for operation_id, kind in rows(
        world, "SELECT operation_id, kind FROM conflict WHERE operation_id >= :first", first=taken[0][0]
    ):
        kinds.setdefault(operation_id, set()).add(kind)
    strangers, unbacked = [], []
    for row_id, node, epoch, seq, op_id, sha, outcome, code in taken:
        entry = world.ledger.entry((node, epoch), seq)
        if entry is None or (entry.op_id, entry.sha256) != (op_id, sha):
            strangers.append(f"{node} epoch {epoch} seq {seq}: {op_id} is not what the van confirmed")
        if (code and code not in kinds.get(row_id, set())) or (outcome == "conflict" and not code):
            unbacked.append(f"{node} epoch {epoch} seq {seq}: {outcome}/{code} without its conflict")
    world.check_each(OPS_MATCH, strangers)
    world.check_each(HELD, unbacked)
    world.checked_operation = taken[-1][0]


def acknowledged_at_central(world: World, van: Van) -> None:
    """Operations the van marked sent since the last check are at central with the same id."""
    key = (van.code, van.generation)
    last = world.checked_acks.get(key, 0)
    with reading(van.node.conn):
        acked = van.node.conn.execute(
            "SELECT seq, op_id FROM outbox WHERE sent_at IS NOT NULL AND seq > ? ORDER BY seq", (last,)
        ).fetchall()
    if not acked:
        return
    held = dict(
        rows(
            world,
            "SELECT o.seq, o.op_id FROM sync_operation o JOIN sync_node n ON n.id = o.node_id"
            " WHERE n.code = :node AND o.epoch = :epoch AND o.seq > :last",
            node=van.node_id,
            epoch=van.epoch,
            last=last,
        )
    )
    missing = [f"{van.node_id} epoch {van.epoch} seq {seq}" for seq, op_id in acked if held.get(seq) != op_id]
    world.check_each(ACKED, missing)
    world.checked_acks[key] = acked[-1][0]


def loans_consistent(world: World) -> None:
    doubled = rows(world, "SELECT item_id FROM loan WHERE returned_at IS NULL GROUP BY item_id HAVING COUNT(*) > 1")
    world.check(ONE_LOAN, not doubled, f"items {doubled[:5]}")
    world.check_each(LENT_ONCE, _lent_twice(world))
    mismatched = rows(
        world,
        "SELECT i.barcode, i.status, COUNT(l.id) FROM item i LEFT JOIN loan l ON l.item_id = i.id"
        " AND l.returned_at IS NULL GROUP BY i.id HAVING (i.status = 'on_loan') != (COUNT(l.id) = 1)",
    )
    world.check(ON_LOAN, not mismatched, f"(barcode, status, open loans) {mismatched[:5]}")


def _lent_twice(world: World) -> list[str]:
    """Loans of one copy at one instant beyond the van lends central placed at that instant.

    Several loans at one instant are legitimate when central clamped a van's operations with a
    wrong clock to the same moment (`clock_skew`); more loans than operations there are not.
    """
    found = []
    for barcode, out_at, loans in rows(
        world,
        "SELECT i.barcode, l.out_at, COUNT(*) FROM loan l JOIN item i ON i.id = l.item_id"
        " GROUP BY l.item_id, l.out_at HAVING COUNT(*) > 1",
    ):
        ((placed,),) = rows(
            world,
            "SELECT COUNT(*) FROM sync_operation WHERE outcome = 'applied' AND type IN ('lend', 'hand_over_hold')"
            " AND effective_at = :at AND body LIKE :barcode",
            at=out_at,
            barcode=f'%"barcode":"{barcode}"%',
        )
        if loans > placed:
            found.append(f"{barcode}: {loans} loans at {out_at}, {placed} lends placed there")
    return found


def holds_consistent(world: World) -> None:
    """Strict places per title (R13), and each caught copy in the state its hold says."""
    holds = rows(
        world,
        "SELECT h.bib_id, h.queue_number, h.status, h.item_id, i.status FROM hold h"
        " LEFT JOIN item i ON i.id = h.item_id WHERE h.status IN ('queued', 'in_transit', 'ready')"
        " ORDER BY h.bib_id, h.queue_number",
    )
    places: dict[int, list[int]] = {}
    for bib_id, queue_number, *_ in holds:
        places.setdefault(bib_id, []).append(queue_number)
    strict = all(len(set(numbers)) == len(numbers) for numbers in places.values())
    world.check(PLACES, strict, "two open holds share a queue number")
    expected = {"in_transit": "in_transit", "ready": "on_hold_shelf"}
    wrong = [h for h in holds if h[2] in expected and (h[3] is None or h[4] != expected[h[2]])]
    world.check(CAUGHT, not wrong, f"(bib, queue, hold status, item, item status) {wrong[:3]}")
    targets = Counter(h[3] for h in holds if h[3] is not None)
    shared = [item for item, count in targets.items() if count > 1]
    world.check(CAUGHT, not shared, f"items {shared[:5]} caught or targeted by two open holds")


def accounts_active_from(world: World) -> None:
    """R4/R5: desk passwords work the day they are given, van ones from the day after central took them in."""
    accounts = dict(
        rows(world, "SELECT p.card_number, a.active_from FROM internetaccount a JOIN patron p ON p.id = a.patron_id")
    )
    wrong = []
    for card, active_from in accounts.items():
        issue = world.credentials.current(card)
        if issue is None:
            wrong.append(f"card {card} has an account nobody applied for")
            continue
        actual = date.fromisoformat(str(active_from))
        if not (actual <= issue.works_from if issue.source == "web" else actual == issue.works_from):
            wrong.append(f"card {card}: active from {actual}, expected {issue.works_from} ({issue.source})")
    world.check_each(ACTIVE_FROM, wrong)


def after_night(world: World, report: NightlyReport, route: Route) -> None:
    world.check(NIGHT_OK, not report.errors, f"{report.run_date}: {report.errors}")
    notices_sent_once(world, report, route)
    mail_files_forgotten(world, report, route)
    linked = rows(world, "SELECT id FROM loan WHERE returned_at IS NOT NULL AND patron_id IS NOT NULL")
    world.check(FORGOTTEN, not linked, f"{report.run_date}: loans {[r[0] for r in linked[:5]]}")
    cutoff = forgetting_cutoff(report.run_date, world.settings.loan_history_grace_days)
    undecided = exists().where(
        col(Conflict.operation_id) == SyncOperation.id,
        col(Conflict.status).in_([ConflictStatus.OPEN, ConflictStatus.AUTO]),
    )
    with new_session(world.engine) as session:
        kept = session.exec(
            select(SyncOperation.id).where(SyncOperation.received_at < cutoff, SyncOperation.body != "", ~undecided)
        ).all()
    world.check(BODIES_FORGOTTEN, not kept, f"{report.run_date}: operations {list(kept[:5])}")
    with new_session(world.engine) as session:
        held = session.exec(
            select(Hold.id).where(
                col(Hold.status).in_(CLOSED_HOLD_STATUSES),
                or_(col(Hold.closed_at) < cutoff, col(Hold.closed_at).is_(None)),
                col(Hold.patron_id).is_not(None),
            )
        ).all()
    world.check(HOLDS_FORGOTTEN, not held, f"{report.run_date}: holds {list(held[:5])}")
    conflicts_forgotten(world, report, cutoff)
    with new_session(world.engine) as session:
        open_holds = session.exec(
            select(Hold)
            .where(col(Hold.status).in_(OPEN_HOLD_STATUSES))
            .order_by(col(Hold.bib_id), col(Hold.queue_number))
        ).all()
        ctx = world.ctx(session, "system:check")
        by_title: dict[int, list[int]] = {}
        for hold in open_holds:
            by_title.setdefault(hold.bib_id, []).append(queue_place(ctx, hold))
    bad = {bib: places for bib, places in by_title.items() if places != list(range(1, len(places) + 1))}
    world.check(PLACES, not bad, f"places {bad}")


def conflicts_forgotten(world: World, report: NightlyReport, cutoff: datetime) -> None:
    review_days = world.settings.conflict_review_days
    with new_session(world.engine) as session:
        remembered = session.exec(
            select(Conflict.id).where(
                col(Conflict.status).in_([ConflictStatus.RESOLVED, ConflictStatus.VOIDED]),
                col(Conflict.resolved_at) < cutoff,
                or_(col(Conflict.van_facts) != "", col(Conflict.central_facts) != ""),
                # A restored node re-enrolled: its operations were never applied, so they stay.
                ~and_(Conflict.kind == "restored_node", Conflict.status == ConflictStatus.RESOLVED),
            )
        ).all()
        unsettled = session.exec(
            select(Conflict.id).where(
                Conflict.status == ConflictStatus.AUTO,
                col(Conflict.created_at) < forgetting_cutoff(report.run_date, review_days + 1),
            )
        ).all()
    wrong = [f"{report.run_date}: decided conflict {i} keeps its facts" for i in remembered]
    wrong += [f"{report.run_date}: automatic conflict {i} past its review window" for i in unsettled]
    world.check_each(CONFLICTS_FORGOTTEN, wrong)


def notices_sent_once(world: World, report: NightlyReport, route: Route) -> None:
    delivered = world.mailroom.arrived()
    sent = report.counts.get("send_mail", {}).get("sent", 0)
    world.check(SENT_ONCE, len(delivered) == sent, f"{report.run_date}: {len(delivered)} delivered, ledger says {sent}")
    if route is Route.SMTP_DOWN:
        world.check(SENT_ONCE, sent == 0, f"{report.run_date}: {sent} sent through a closed port")
    ledger = {
        row[0]: row[1:]
        for row in rows(world, "SELECT id, patron_id, event, object_id, status FROM notice WHERE status = 'sent'")
    }
    wrong = []
    for message in delivered:
        found = ledger.get(message.notice_id)
        if found is None:
            wrong.append(f"{message.message_id} is not a sent notice")
            continue
        key = tuple(found[:3])
        if key in world.delivered_keys:
            wrong.append(f"notice {key} delivered twice")
        world.delivered_keys.add(key)
    world.check_each(SENT_ONCE, wrong)


def mail_files_forgotten(world: World, report: NightlyReport, route: Route) -> None:
    """No reading history: a notice the night forgot (a returned loan's reminder, which lists the
    titles) leaves no file behind, whatever way earlier nights sent their mail."""
    if route is not Route.EML:
        return
    held = {row[0] for row in rows(world, "SELECT id FROM notice")}
    files = notice_files(world.mailroom.folder)
    wrong = [f"{report.run_date}: {path.name}" for found, paths in files.items() if found not in held for path in paths]
    world.check_each(MAIL_FILES_FORGOTTEN, wrong)


def views_agree(world: World, van: Van) -> None:
    """B6: with nothing left to send, the van's stored view must be central's snapshot, scope by scope."""
    with new_session(world.engine) as session:
        ctx = world.ctx(session, "system:check")
        central = full_snapshot(ctx, node_by_code(ctx, van.node_id), world.settings.library_name)
    with reading(van.node.conn):
        local = read_snapshot(van.node.conn)
        changes = sum(
            van.node.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("local_patron", "local_item", "local_loan_delta", "local_hold_done")
        )
    assert local is not None
    theirs, ours = ScopeChecksums.of(central), ScopeChecksums.of(local)
    differing = [
        scope for scope in ("roster", "titles", "items", "holds") if getattr(theirs, scope) != getattr(ours, scope)
    ]
    world.check(VIEWS, not differing and changes == 0, f"{van.node_id}: scopes {differing}, {changes} local changes")
