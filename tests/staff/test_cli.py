"""`central staff ...` and `central conflicts list|show|resolve` on a real database."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from central.cli import app
from central.errors import NotFound, RuleRefused
from central.models import Item, Patron
from central.services.context import ServiceContext
from central.staff.accounts import StaffMember, authenticate_staff
from sync_protocol import operations as ops
from tests.staff.helpers import audit_rows, conflicts_of
from tests.sync.conftest import VanOutbox, reload

Ctx = Callable[..., ServiceContext]


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    """The commands only translate: checked on SQLite; the decisions they call run on both databases."""
    path = tmp_path / "central.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def run(database_url: str, engine: object) -> Callable[..., object]:
    """`central ...` in-process against this test's database."""
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> object:
        return runner.invoke(app, list(args), input=stdin, env={"CENTRAL_DATABASE_URL": database_url})

    return invoke


def test_central_staff_add_reads_the_password_from_stdin_and_creates_the_first_admin(
    run: Callable[..., object], ctx: Ctx
) -> None:
    result = run("staff", "add", "kanri", "--role", "admin", "--name", "管理 花子", stdin="kanri-2026-secret\n")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    user = authenticate_staff(ctx(), "kanri", "kanri-2026-secret")
    assert user.role == "admin" and user.display_name == "管理 花子"
    listed = run("staff", "list")
    assert "kanri" in listed.output and "admin" in listed.output  # type: ignore[attr-defined]


def test_central_staff_add_refuses_an_unknown_role_in_japanese_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "CENTRAL_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    central = Path(sys.executable).with_name("central")
    result = subprocess.run(
        [str(central), "staff", "add", "kanri", "--role", "boss"],
        input="kanri-2026-secret\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "権限は admin か desk" in result.stderr


def test_b5_central_conflicts_list_show_and_resolve_record_the_named_admin(
    run: Callable[..., object],
    van: VanOutbox,
    session: Session,
    admin: StaffMember,
    make_patron: Callable[..., Patron],
    make_title: Callable[..., tuple[object, list[Item]]],
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend(patron.card_number, "T9999901", date(2026, 6, 24))))
    (conflict,) = conflicts_of(session, "unknown_barcode")
    listed = run("conflicts", "list", "--kind", "unknown_barcode")
    assert "unknown_barcode" in listed.output and "conflicts: 1" in listed.output  # type: ignore[attr-defined]
    shown = run("conflicts", "show", str(conflict.id))
    assert "link" in shown.output and "資料バーコード" in shown.output  # type: ignore[attr-defined]
    resolved = run(
        "conflicts",
        "resolve",
        str(conflict.id),
        "link",
        "--barcode",
        copy.barcode,
        "--by",
        admin.username,
        "--reason",
        "ラベル貼り替え",
    )
    assert resolved.exit_code == 0, resolved.output  # type: ignore[attr-defined]
    assert reload(session, conflict).resolved_by == admin.actor
    assert [r.actor for r in audit_rows(session, "conflict.resolve")] == [admin.actor]


def test_b5_a_desk_account_cannot_resolve_from_the_terminal(
    run: Callable[..., object], van: VanOutbox, session: Session, desk: StaffMember, make_title: Callable
) -> None:
    _, (copy,) = make_title()
    van.send(van.op(ops.Return(copy.barcode)))
    (conflict,) = conflicts_of(session, "return_without_loan")
    refused = run("conflicts", "resolve", str(conflict.id), "keep", "--by", desk.username)
    assert isinstance(refused.exception, RuleRefused)  # type: ignore[attr-defined]
    assert reload(session, conflict).status == "auto"


def test_central_node_add_code_revoke_and_list_act_as_the_terminals_operator(
    run: Callable[..., object], locations: dict, session: Session
) -> None:
    """The van BM1 comes from `locations`."""
    added = run("node", "add", "BM1-A")
    assert added.exit_code == 0, added.output  # type: ignore[attr-defined]
    assert "node BM1-A registered on BM1; enrolment code (shown once):" in added.output  # type: ignore[attr-defined]
    assert "card numbers" in added.output  # type: ignore[attr-defined]
    listed = run("node", "list")
    assert "BM1-A" in listed.output and "pending" in listed.output  # type: ignore[attr-defined]
    reissued = run("node", "code", "BM1-A")
    assert "enrolment code for BM1-A (shown once):" in reissued.output  # type: ignore[attr-defined]
    revoked = run("node", "revoke", "BM1-A")
    assert revoked.exit_code == 0 and "node BM1-A revoked" in revoked.output  # type: ignore[attr-defined]
    assert "revoked" in run("node", "list").output  # type: ignore[attr-defined]
    assert {r.actor for r in audit_rows(session, "node.revoke")} == {"operator:cli"}
    unknown = run("node", "code", "BM9-Z")
    assert isinstance(unknown.exception, NotFound)  # type: ignore[attr-defined]
