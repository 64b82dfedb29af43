"""The patrons' pages run a write again when the database aborted it only for a concurrent
transaction, and say so in Japanese when it keeps happening (central.retry; deployment.md, section 8).

The real app, database and forms (CSRF included); only the database's answer to one statement is
replaced by the error PostgreSQL gives the loser of a race (`database_aborts`).
"""

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from central.db import make_engine, new_session
from central.models import AuditEntry, Hold, Loan, Patron
from central.retry import ATTEMPTS
from central.services.context import transaction
from central.settings import Settings
from tests.web.helpers import api_token, database_aborts, sign_in, submit
from tests.web.library import CARD_A, PASSWORD_A, Facts

BUSY = "ただいま処理が混み合っています。しばらくしてからもう一度お試しください。"


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """The test's own view of the database (another connection than the app's)."""
    engine = make_engine(settings.database_url)
    with new_session(engine) as session:
        yield session
    engine.dispose()


# Each read is a transaction of its own, ended at once: on SQLite an open one would hold the app's writes.


def _patron_id(session: Session, card: str) -> int | None:
    with transaction(session):
        return session.exec(select(Patron.id).where(Patron.card_number == card)).one()


def _holds_of(session: Session, card: str, bib_id: int) -> list[Hold]:
    patron_id = _patron_id(session, card)
    with transaction(session):
        return list(session.exec(select(Hold).where(Hold.patron_id == patron_id, Hold.bib_id == bib_id)))


def _audited(session: Session, action: str, object_id: object) -> int:
    with transaction(session):
        query = select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == str(object_id))
        return len(list(session.exec(query)))


def _due_date(session: Session, loan_id: int) -> date:
    with transaction(session):
        return session.exec(select(Loan.due_date).where(col(Loan.id) == loan_id)).one()


def test_a_hold_whose_first_attempt_deadlocks_is_placed_once_when_run_again(
    app: FastAPI, client: TestClient, facts: Facts, session: Session
) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    confirm = f"/holds/confirm?bib={facts.bibs['kokoro']}&pickup={facts.places['main']}&contact=phone"
    with database_aborts(app.state.engine, "INSERT INTO hold", times=1) as refused:
        done = submit(client, confirm, "/holds")
    assert len(refused) == 1  # the first attempt lost; the second one placed the hold
    assert done.status_code == 200 and "予約完了" in done.text
    assert "こころ" in done.text and "1位" in done.text and "予約できませんでした" not in done.text
    (hold,) = _holds_of(session, CARD_A, facts.bibs["kokoro"])
    assert hold.queue_number == 1
    assert _audited(session, "hold.place", hold.id) == 1


def test_a_renewal_the_database_keeps_aborting_answers_the_japanese_busy_page_and_changes_nothing(
    app: FastAPI, client: TestClient, facts: Facts, session: Session
) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    loan_id = facts.loans["a_renewable"]
    due = _due_date(session, loan_id)
    with database_aborts(app.state.engine, "UPDATE loan", times=ATTEMPTS + 1) as refused:
        page = submit(client, "/account", f"/account/loans/{loan_id}/renew")
    assert len(refused) == ATTEMPTS  # every attempt was made, then the patron was told
    assert page.status_code == 503
    assert "ただいま混み合っています" in page.text and BUSY in page.text
    assert 'href="/account#loans"' in page.text  # back to the form, to send it again
    assert '<html lang="ja">' in page.text and "Traceback" not in page.text
    assert _due_date(session, loan_id) == due
    assert _audited(session, "loan.renew", loan_id) == 0


def test_a_password_change_runs_again_only_the_step_that_deadlocked(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    """Ending the other sessions is run again alone: the new password, already stored, is not
    checked against the old one a second time."""
    patron_id = _patron_id(session, CARD_A)
    changes = _audited(session, "account.change_password", patron_id)  # the library's set-up made one
    elsewhere = api_token(client, CARD_A, PASSWORD_A)
    sign_in(client, CARD_A, PASSWORD_A)
    typed = {"current_password": PASSWORD_A, "new_password": "new-pass-2026", "new_password_confirm": "new-pass-2026"}
    with database_aborts(app.state.engine, "DELETE FROM websession", times=1) as refused:
        page = submit(client, "/account", "/account/password", typed)
    assert len(refused) == 1
    assert "パスワードを変更しました" in page.text
    assert client.get("/account").status_code == 200  # this session goes on
    assert client.get("/api/v1/me", headers=elsewhere).status_code == 401  # the other one ended
    assert _audited(session, "account.change_password", patron_id) == changes + 1
