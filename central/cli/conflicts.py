"""`central conflicts list|show|resolve`: the conflict console for the terminal (B5). Thin commands over
`central.staff.conflict_queue` (reads) and `central.sync.resolution` (decisions)."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from central.cli.staff import operator_context
from central.errors import RuleRefused
from central.models import StaffRole
from central.services.context import ServiceContext
from central.staff.accounts import staff_by_username
from central.staff.conflict_queue import STATUS_FILTERS, ConflictDetail, QueueFilter, conflict_detail, list_conflicts
from central.staff.labels import FACT_LABELS, OPERATION_LABELS
from central.sync.resolution import Action, Decision, decide
from sync_protocol.timezone import TOKYO

conflicts_app = typer.Typer(
    help="Conflicts between the bookmobiles and central (B5): list, show, resolve.", no_args_is_help=True
)


def _time(moment: object) -> str:
    return "" if moment is None else f"{moment.astimezone(TOKYO):%Y-%m-%d %H:%M}"  # type: ignore[attr-defined]


@conflicts_app.command("list", help="List conflicts, oldest first, filtered by status, kind, node and age.")
def list_command(
    status: Annotated[str, typer.Option(help=f"One of: {', '.join(STATUS_FILTERS)}.")] = "open",
    kind: Annotated[str, typer.Option(help="Only this kind, e.g. unknown_barcode.")] = "",
    node: Annotated[str, typer.Option(help="Only this node, e.g. BM1-A.")] = "",
    older_than: Annotated[int, typer.Option(min=0, help="Only conflicts at least this many days old.")] = 0,
) -> None:
    with operator_context() as ctx:
        rows, total = list_conflicts(ctx, QueueFilter(kind, node, status, older_than))
    table = Table("id", "status", "kind", "node", "created (Tokyo)", title=f"conflicts: {total}")
    table.add_column("summary", overflow="fold")
    for row in rows:
        table.add_row(str(row.id), row.status, row.kind, row.node, _time(row.created_at), row.summary)
    Console().print(table)


def _facts_table(title: str, facts: dict[str, object]) -> Table:
    table = Table("", "", title=title, show_header=False)
    for key, value in facts.items():
        table.add_row(FACT_LABELS.get(key, key), str(value))
    return table


def _print_detail(detail: ConflictDetail) -> None:
    console = Console()
    row = detail.row
    console.print(f"[bold]#{row.id} {row.kind_label}[/] ({row.kind}) - {row.status_label} - node {row.node or '-'}")
    console.print(f"{row.summary}\ndefault: {detail.default_action or '-'}  created: {_time(row.created_at)}")
    if detail.operation is not None:
        op = detail.operation
        label = OPERATION_LABELS.get(op.type, op.type)
        console.print(f"operation {op.epoch}-{op.seq} {label} at stop {op.stop}, effective {_time(op.effective_at)}")
        console.print(_facts_table("van: operation", op.payload))
    console.print(_facts_table("van: facts", detail.van_facts))
    console.print(_facts_table("central: facts", detail.central_facts))
    for patron in detail.patrons:
        console.print(f"patron {patron.id}: {patron.card_number} {patron.name} ({patron.birth_date})")
    if detail.resolution:
        console.print(f"[green]decided[/] by {detail.resolved_by} at {_time(detail.resolved_at)}: {detail.resolution}")
    if detail.facts_forgotten:
        console.print("both sides' facts were forgotten by the nightly job once the retention period had passed")
    if detail.actions:
        console.print("decisions: " + ", ".join(f"{a.value} ({detail.action_labels[a.value]})" for a in detail.actions))


@conflicts_app.command("show", help="Show one conflict: both sides' facts, the default taken, the decisions that fit.")
def show(conflict_id: Annotated[int, typer.Argument(help="The conflict's id.")]) -> None:
    with operator_context() as ctx:
        detail = conflict_detail(ctx, conflict_id)
    _print_detail(detail)


def _admin_context(ctx: ServiceContext, username: str) -> ServiceContext:
    """Decisions are taken by a named admin account, so the audit log says who."""
    user = staff_by_username(ctx, username)
    if not user.active or user.role != StaffRole.ADMIN:
        raise RuleRefused("staff_admin_only", "判断できるのは有効な管理者アカウントだけです。", "Admins only.")
    return ServiceContext(ctx.session, ctx.policy, f"staff:{user.id}", ctx.location_id, ctx.now)


@conflicts_app.command("resolve", help="Take a decision on a conflict, as the admin named by --by.")
def resolve(
    conflict_id: Annotated[int, typer.Argument(help="The conflict's id.")],
    action: Annotated[Action, typer.Argument(help="keep, take_van, merge, link, retry, void or reenrol.")],
    by: Annotated[str, typer.Option("--by", help="Username of the admin taking the decision.")],
    reason: Annotated[str, typer.Option(help="Why (required for void).")] = "",
    barcode: Annotated[str, typer.Option(help="link: the item barcode the van meant.")] = "",
    card: Annotated[str, typer.Option(help="link: the card number the van meant (or a new one).")] = "",
    keep: Annotated[int | None, typer.Option(help="merge: id of the patron record to keep.")] = None,
    drop: Annotated[int | None, typer.Option(help="merge: id of the record folded into it.")] = None,
) -> None:
    with operator_context() as ctx:
        admin = _admin_context(ctx, by)
        result = decide(admin, conflict_id, Decision(action, reason, barcode or None, card or None, keep, drop))
    console = Console()
    console.print(f"conflict #{conflict_id} {result.conflict.status}: {result.conflict.resolution}")
    if result.enrolment is not None:
        console.print(f"enrolment code for {result.enrolment.node.code} (shown once): [bold]{result.enrolment.code}[/]")
    if result.raised:
        console.print(f"the applied operation raised conflict(s): {', '.join(map(str, result.raised))}")
