"""The staff pages run a write again when the database aborted it only for a concurrent transaction,
and answer the busy page (503, Japanese) when it keeps happening - on SQLite and on PostgreSQL.

The real app, database and forms (CSRF included). `database_aborts` replaces the database's answer
to one statement by the error the loser of a race gets; on PostgreSQL the last test loses a real
race instead: another desk lends the same copy between the page's checks and its insert.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from central.models import Bib, Item, Loan, Patron
from central.retry import ATTEMPTS
from central.services.circulation import lend
from central.services.context import ServiceContext, transaction
from tests.staff.helpers import audit_rows, post_form
from tests.web.helpers import database_aborts

BUSY = "ただいま処理が混み合っています。しばらくしてからもう一度お試しください。"

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]
MakePatron = Callable[..., Patron]


def open_loans(session: Session, item: Item) -> list[Loan]:
    with transaction(session):
        return list(session.exec(select(Loan).where(Loan.item_id == item.id, col(Loan.returned_at).is_(None))))


@dataclass(frozen=True)
class DeskLoan:
    """A loan asked for on the desk's form: the answer, the statements the database refused, who and what."""

    page: Response
    refused: list[str]
    patron: Patron
    copy: Item


@pytest.fixture
def lend_on_the_form(
    app: FastAPI, desk_client: TestClient, make_patron: MakePatron, make_title: MakeTitle
) -> Callable[[int], DeskLoan]:
    """Lend a shelf copy to a patron on the desk's form while the database aborts the next
    `aborts` loan inserts."""

    def send(aborts: int) -> DeskLoan:
        patron = make_patron()
        _, (copy,) = make_title()
        typed = {"card_number": patron.card_number, "barcode": copy.barcode}
        with database_aborts(app.state.engine, "INSERT INTO loan", times=aborts) as refused:
            page = post_form(desk_client, "/staff/desk", "/staff/desk/lend", typed)
        return DeskLoan(page, refused, patron, copy)

    return send


def test_a_desk_loan_whose_first_attempt_deadlocks_is_lent_once_when_run_again(
    lend_on_the_form: Callable[[int], DeskLoan], session: Session
) -> None:
    sent = lend_on_the_form(1)
    assert len(sent.refused) == 1  # the first attempt lost; the second one lent the copy
    assert sent.page.status_code == 200 and "貸し出しました" in sent.page.text
    (loan,) = open_loans(session, sent.copy)
    assert loan.patron_id == sent.patron.id
    assert [row.object_id for row in audit_rows(session, "loan.lend")] == [str(loan.id)]


def test_a_desk_loan_the_database_keeps_aborting_answers_the_busy_page_and_lends_nothing(
    lend_on_the_form: Callable[[int], DeskLoan], session: Session
) -> None:
    sent = lend_on_the_form(ATTEMPTS + 1)
    assert len(sent.refused) == ATTEMPTS  # every attempt was made, then the desk was told
    assert sent.page.status_code == 503
    assert "ただいま混み合っています" in sent.page.text and BUSY in sent.page.text
    assert 'href="/staff/desk"' in sent.page.text  # back to the form, to send it again
    assert "Traceback" not in sent.page.text
    assert open_loans(session, sent.copy) == [] and audit_rows(session, "loan.lend") == []


def test_a_registration_the_database_keeps_aborting_comes_back_as_typed_with_the_busy_message(
    app: FastAPI, desk_client: TestClient, session: Session
) -> None:
    form = {"card_number": "20000002", "name": "新垣 太郎", "birth_date": "1990-04-02"}
    with database_aborts(app.state.engine, "INSERT INTO patron", times=ATTEMPTS + 1):
        page = post_form(desk_client, "/staff/desk/register", "/staff/desk/register", form)
    assert page.status_code == 503
    assert BUSY in page.text and 'value="新垣 太郎"' in page.text and 'value="1990-04-02"' in page.text
    with transaction(session):
        assert session.exec(select(Patron).where(Patron.card_number == "20000002")).first() is None


@contextmanager
def _before_first(engine: Engine, statement: str, meanwhile: Callable[[], object]) -> Iterator[list[str]]:
    """Run `meanwhile` just before the first statement on `engine` that begins with `statement`;
    yields the SQLSTATEs of the errors the engine's statements then raise."""
    errors: list[str] = []
    pending = [meanwhile]

    def before(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        if pending and sql.lstrip().upper().startswith(statement.upper()):
            pending.pop()()

    def failed(context: Any) -> None:
        errors.append(getattr(context.original_exception, "sqlstate", None) or "")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "handle_error", failed)
    try:
        yield errors
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "handle_error", failed)


@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)
def test_two_desks_lending_one_copy_at_once_the_page_that_lost_says_it_is_on_loan(
    app: FastAPI, desk_client: TestClient, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    """PostgreSQL only: on SQLite the other desk would queue behind the page's transaction."""
    walk_in, at_the_other_desk = make_patron(), make_patron()
    _, (copy,) = make_title()
    typed = {"card_number": walk_in.card_number, "barcode": copy.barcode}
    # The page has checked the copy is on the shelf; the other desk lends it and commits first.
    with _before_first(app.state.engine, "UPDATE item", lambda: lend(ctx(), at_the_other_desk, copy.barcode)) as errors:
        page = post_form(desk_client, "/staff/desk", "/staff/desk/lend", typed)
    assert errors == ["23505"]  # the page's loan met the other one in the open-loan index
    assert page.status_code == 200 and "貸出中として記録されています" in page.text  # run again: the ordinary refusal
    (loan,) = open_loans(session, copy)
    assert loan.patron_id == at_the_other_desk.id
