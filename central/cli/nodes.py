"""`central node ...`: registering bookmobile laptops, their enrolment codes, revocation."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import col, select

from central.cli.staff import operator_context
from central.models import SyncNode
from central.services.context import transaction
from central.services.lookup import location_by_code
from central.sync import devices

node_app = typer.Typer(help="Bookmobile nodes (devices that sync).", no_args_is_help=True)


@node_app.command("add", help="Register a bookmobile laptop and print its one-time enrolment code (valid 24 h).")
def add(
    code: Annotated[str, typer.Argument(help="The node id, e.g. BM1-A.")],
    van: Annotated[str, typer.Option(help="Location code of the bookmobile it rides on.")] = "BM1",
    card_block: Annotated[bool, typer.Option(help="Also give it a block of card numbers.")] = True,
) -> None:
    with operator_context() as ctx, transaction(ctx.session):
        issued = devices.register_node(ctx, code, location_by_code(ctx.session, van))
        block = devices.allocate_card_block(ctx, issued.node) if card_block else None
    console = Console()
    console.print(f"node {issued.node.code} registered on {van}; enrolment code (shown once): [bold]{issued.code}[/]")
    if block:
        console.print(f"card numbers {block.first}-{block.last}")


@node_app.command("code", help="Issue a new one-time enrolment code (to re-enrol a rebuilt or quarantined node).")
def code(node: Annotated[str, typer.Argument(help="The node id.")]) -> None:
    with operator_context() as ctx:
        issued = devices.issue_enrolment_code(ctx, devices.node_by_code(ctx, node))
    Console().print(f"enrolment code for {issued.node.code} (shown once): [bold]{issued.code}[/]")


@node_app.command("revoke", help="Stop a node at once (lost or stolen laptop): its requests are refused.")
def revoke(node: Annotated[str, typer.Argument(help="The node id.")]) -> None:
    with operator_context() as ctx:
        devices.revoke(ctx, devices.node_by_code(ctx, node))
    Console().print(f"node {node} revoked")


@node_app.command("list", help="List nodes with status, epoch, high-water mark, last contact and clock offset.")
def list_nodes() -> None:
    table = Table("node", "status", "epoch", "high water", "last contact", "clock offset (s)")
    with operator_context() as ctx, transaction(ctx.session):
        for node in ctx.session.exec(select(SyncNode).order_by(col(SyncNode.code))):
            offset = "" if node.clock_offset_ms is None else f"{node.clock_offset_ms / 1000:+.1f}"
            contact = node.last_contact_at.isoformat(timespec="seconds") if node.last_contact_at else "never"
            table.add_row(node.code, node.status, str(node.epoch), str(node.high_water), contact, offset)
    Console().print(table)
