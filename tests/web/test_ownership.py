"""A patron can never see or act on another patron's loans or holds by changing ids in URLs,
on the pages or through the API: another patron's record answers exactly like a missing one."""

from fastapi.testclient import TestClient
from sqlmodel import select

from central.db import make_engine, new_session
from central.models import Hold, HoldStatus, Loan
from central.settings import Settings
from tests.web.helpers import api_token, csrf_token, sign_in
from tests.web.library import CARD_A, PASSWORD_A, Facts

MISSING = 999_999


def _b_records_untouched(settings: Settings, facts: Facts) -> None:
    engine = make_engine(settings.database_url)
    with new_session(engine) as session:
        loan = session.get(Loan, facts.loans["b_loan"])
        assert loan is not None and loan.renewal_count == 0
        holds = session.exec(select(Hold).where(Hold.id.in_(list(facts.holds.values())))).all()  # type: ignore[union-attr]
        assert {h.status for h in holds} == {HoldStatus.QUEUED}
    engine.dispose()


def test_patron_a_cannot_renew_or_cancel_patron_bs_records_on_the_pages(
    client: TestClient, facts: Facts, settings: Settings
) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    token = csrf_token(client, "/account")
    answers = []
    for loan_id in (facts.loans["b_loan"], MISSING):
        answers.append(client.post(f"/account/loans/{loan_id}/renew", data={"csrf_token": token}))
    for hold_id in (facts.holds["b_on_kumo"], MISSING):
        answers.append(client.post(f"/account/holds/{hold_id}/cancel", data={"csrf_token": token}))
    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert answers[0].text.count("貸出が見つかりません") == 1
    assert answers[2].text.count("予約が見つかりません") == 1
    assert "羅生門" not in answers[0].text and "蜘蛛の糸" not in answers[2].text
    _b_records_untouched(settings, facts)


def test_patron_a_never_sees_patron_bs_records_on_the_pages(client: TestClient, facts: Facts) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    account = client.get("/account").text
    assert "羅生門" not in account and "蜘蛛の糸" not in account
    done = client.get("/holds/done", params={"hold": list(facts.holds.values())}).text
    assert "蜘蛛の糸" not in done and "走れメロス" not in done


def test_patron_a_cannot_reach_patron_bs_records_through_the_api(
    client: TestClient, facts: Facts, settings: Settings
) -> None:
    a = api_token(client, CARD_A, PASSWORD_A)
    for loan_id in (facts.loans["b_loan"], MISSING):
        response = client.post(f"/api/v1/loans/{loan_id}/renew", headers=a)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "unknown_loan"
    for hold_id in (facts.holds["b_on_kumo"], MISSING):
        response = client.delete(f"/api/v1/holds/{hold_id}", headers=a)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "unknown_hold"
    loans = client.get("/api/v1/loans", headers=a).json()
    holds = client.get("/api/v1/holds", headers=a).json()
    assert facts.loans["b_loan"] not in [loan["id"] for loan in loans]
    assert holds == []
    _b_records_untouched(settings, facts)


def test_records_need_a_signed_in_patron(client: TestClient, facts: Facts) -> None:
    assert client.get("/api/v1/loans").status_code == 401
    assert client.post(f"/api/v1/loans/{facts.loans['b_loan']}/renew").status_code == 401
    assert client.get("/api/v1/holds", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    page = client.get("/account", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Faccount"
