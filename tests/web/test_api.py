"""The JSON API: the same services as the pages, errors in one shape with Japanese messages."""

from fastapi.testclient import TestClient

from tests.web.helpers import api_token
from tests.web.library import CARD_A, CARD_TEMP, PASSWORD_A, Facts


def test_r15_api_sign_in_normalises_full_width_card_numbers(client: TestClient) -> None:
    response = client.post("/api/v1/session", json={"card_number": "１００００００１", "password": PASSWORD_A})
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["patron"] == {
        "card_number": CARD_A,
        "name": "山田 花子",
        "email": "hanako@example.jp",
        "temporary_password": False,
    }


def test_api_errors_share_one_shape_with_the_japanese_message(client: TestClient) -> None:
    wrong = client.post("/api/v1/session", json={"card_number": CARD_A, "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.json() == {
        "error": {
            "code": "sign_in_failed",
            "message": "利用者番号またはパスワードが正しくありません。",
            "message_en": "The card number or password is incorrect.",
        }
    }
    invalid = client.post("/api/v1/session", json={"card_number": CARD_A})
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_request"
    assert invalid.json()["error"]["details"][0]["loc"] == ["body", "password"]
    assert client.get("/api/v1/nothing-here").json()["error"]["code"] == "not_found"


def test_api_search_folds_kana_and_width_and_pages_results(client: TestClient) -> None:
    for text in ("ﾈｺ", "ネコ", "ねこ", "猫"):
        hits = client.get("/api/v1/search", params={"q": text}).json()["hits"]
        assert [h["title"] for h in hits] == ["吾輩は猫である"], text
    page = client.get("/api/v1/search", params={"q": "宮沢賢治", "field": "author", "per_page": 10, "page": 3}).json()
    assert (page["total"], page["pages"], len(page["hits"])) == (24, 3, 4)
    neko = client.get("/api/v1/search", params={"q": "吾輩"}).json()["hits"][0]
    assert neko["availability"] == {"on_shelf": 0, "on_loan": 2, "holds_waiting": 0}


def test_api_title_page_and_pickup_places(client: TestClient, facts: Facts) -> None:
    neko = client.get(f"/api/v1/titles/{facts.bibs['neko']}").json()
    assert neko["reservable"] is True and [c["status"] for c in neko["copies"]] == ["on_loan", "on_loan"]
    assert client.get(f"/api/v1/titles/{facts.bibs['botchan']}").json()["reservable"] is False
    assert client.get("/api/v1/titles/999999").status_code == 404
    places = client.get("/api/v1/pickup-places").json()
    expected = [("本館", "main"), ("大山公民館", "stop"), ("嘉数小学校", "stop")]
    assert [(p["name"], p["kind"]) for p in places] == expected


def test_r13_r19_api_places_lists_and_cancels_holds(client: TestClient, facts: Facts) -> None:
    a = api_token(client, CARD_A, PASSWORD_A)
    request = {"bib_id": facts.bibs["kumo"], "pickup_location_id": facts.places["stop"], "contact_method": "email"}
    placed = client.post("/api/v1/holds", json=request, headers=a)
    assert placed.status_code == 201
    hold = placed.json()
    assert hold["queue_place"] == 2  # patron B was first
    assert hold["pickup"]["name"] == "大山公民館"
    again = client.post("/api/v1/holds", json=request, headers=a)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "hold_exists")
    van = client.post("/api/v1/holds", json=request | {"pickup_location_id": facts.places["van"]}, headers=a)
    assert (van.status_code, van.json()["error"]["code"]) == (422, "unknown_pickup_place")
    assert [h["id"] for h in client.get("/api/v1/holds", headers=a).json()] == [hold["id"]]
    assert client.delete(f"/api/v1/holds/{hold['id']}", headers=a).status_code == 204
    assert client.get("/api/v1/holds", headers=a).json() == []


def test_r9_api_renewal_allowed_once_and_refused_with_the_rule(client: TestClient, facts: Facts) -> None:
    a = api_token(client, CARD_A, PASSWORD_A)
    renewed = client.post(f"/api/v1/loans/{facts.loans['a_renewable']}/renew", headers=a)
    assert renewed.status_code == 200 and renewed.json()["renewal_count"] == 1
    for loan, code in (
        ("a_renewable", "renewal_already_renewed"),
        ("a_overdue", "renewal_overdue"),
        ("a_held", "renewal_hold_waiting"),
    ):
        refused = client.post(f"/api/v1/loans/{facts.loans[loan]}/renew", headers=a)
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, code)
        assert "延長できません" in refused.json()["error"]["message"]


def test_r12_api_refuses_non_rfc_mobile_addresses(client: TestClient) -> None:
    a = api_token(client, CARD_A, PASSWORD_A)
    for address, code in (
        ("taro..yamada@docomo.ne.jp", "email_consecutive_dots"),
        ("taro.@ezweb.ne.jp", "email_dot_before_at"),
    ):
        refused = client.put("/api/v1/me/email", json={"email": address}, headers=a)
        assert (refused.status_code, refused.json()["error"]["code"]) == (422, code)
        assert "RFCに準拠していない" in refused.json()["error"]["message"]
    changed = client.put("/api/v1/me/email", json={"email": "taro.yamada@docomo.ne.jp"}, headers=a)
    assert changed.json()["email"] == "taro.yamada@docomo.ne.jp"


def test_r6_api_password_change_clears_the_temporary_flag(client: TestClient, facts: Facts) -> None:
    t = api_token(client, CARD_TEMP, facts.temporary_password)
    assert client.get("/api/v1/me", headers=t).json()["temporary_password"] is True
    short = client.put(
        "/api/v1/me/password", json={"current_password": facts.temporary_password, "new_password": "short"}, headers=t
    )
    assert short.json()["error"]["code"] == "password_length"
    guess = {"current_password": "x", "new_password": "long-enough-1"}
    wrong = client.put("/api/v1/me/password", json=guess, headers=t)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "current_password_wrong")
    body = {"current_password": facts.temporary_password, "new_password": "long-enough-1"}
    assert client.put("/api/v1/me/password", json=body, headers=t).status_code == 204
    assert client.get("/api/v1/me", headers=t).json()["temporary_password"] is False


def test_r17_api_sign_out_ends_the_token(client: TestClient) -> None:
    a = api_token(client, CARD_A, PASSWORD_A)
    session = client.get("/api/v1/session", headers=a).json()
    assert (session["kind"], session["csrf_token"], session["patron"]["card_number"]) == ("token", None, CARD_A)
    assert client.delete("/api/v1/session", headers=a).status_code == 204
    assert client.get("/api/v1/me", headers=a).status_code == 401


def test_openapi_schema_documents_the_api_and_not_the_pages(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/session",
        "/api/v1/search",
        "/api/v1/titles/{bib_id}",
        "/api/v1/pickup-places",
        "/api/v1/me",
        "/api/v1/me/email",
        "/api/v1/me/password",
        "/api/v1/loans",
        "/api/v1/loans/{loan_id}/renew",
        "/api/v1/holds",
        "/api/v1/holds/{hold_id}",
    } <= set(paths)
    assert not [p for p in paths if p.startswith(("/account", "/login", "/search", "/holds"))]
