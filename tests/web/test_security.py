"""CSRF on every form, sessions (cookie flags, logout, password changes), the sign-in throttle,
security headers, the secret, and R7 (no recovery link)."""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import select

from central.db import make_engine, new_session
from central.models import Patron
from central.services.accounts import reissue_password
from central.services.context import ServiceContext
from central.settings import Settings
from central.web import pages
from central.web.app import create_app
from central.web.security.secret import MissingSecret
from tests.web.helpers import api_token, csrf_token, post_forms, sign_in
from tests.web.library import CARD_A, CARD_B, CARD_NO_ACCOUNT, PASSWORD_A, PASSWORD_B, Facts


def _form_posts(facts: Facts) -> dict[str, dict[str, object]]:
    """Every page form with data that would succeed if the token were there."""
    return {
        "/login": {"card_number": CARD_A, "password": PASSWORD_A},
        "/logout": {},
        "/holds": {"bib": [facts.bibs["kokoro"]], "pickup": facts.places["main"], "contact": "email"},
        "/account/loans/{loan_id}/renew": {},
        "/account/holds/{hold_id}/cancel": {},
        "/account/email": {"email": "new@example.jp"},
        "/account/password": {
            "current_password": PASSWORD_A,
            "new_password": "another-pass-1",
            "new_password_confirm": "another-pass-1",
        },
    }


def _page_post_routes() -> set[str]:
    """Every POST route of every module under central.web.pages."""
    paths = set()
    for info in pkgutil.iter_modules(pages.__path__):
        module = importlib.import_module(f"{pages.__name__}.{info.name}")
        paths |= {r.path for r in module.router.routes if isinstance(r, APIRoute) and "POST" in r.methods}
    return paths


@pytest.mark.parametrize("token", [None, "0" * 64], ids=["missing", "wrong"])
def test_every_form_rejects_a_missing_or_wrong_csrf_token(client: TestClient, facts: Facts, token: str | None) -> None:
    forms = _form_posts(facts)
    assert set(forms) == _page_post_routes(), "a page form is not covered by this test"
    sign_in(client, CARD_A, PASSWORD_A)
    ids = {"loan_id": facts.loans["a_renewable"], "hold_id": facts.holds["b_on_melos"]}
    for path, data in forms.items():
        body = dict(data) | ({"csrf_token": token} if token else {})
        response = client.post(path.format(**ids), data=body, follow_redirects=False)
        assert response.status_code == 403, path
        assert "フォームの有効期限が切れたか" in response.text
    # Nothing happened: still signed in, loan not renewed, e-mail and password unchanged.
    account = client.get("/account")
    assert "hanako@example.jp" in account.text
    assert "延長済み" not in account.text
    api_token(client, CARD_A, PASSWORD_A)


def test_every_post_form_on_every_page_carries_the_csrf_token(client: TestClient, facts: Facts) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    neko, main = facts.bibs["neko"], facts.places["main"]
    pages = [
        "/search",
        "/search/results?q=夏目",
        f"/titles/{neko}",
        "/cart",
        f"/holds/new?bib={neko}",
        f"/holds/confirm?bib={neko}&pickup={main}&contact=email",
        "/holds/done",
        "/account",
    ]
    seen = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        for form in post_forms(response.text):
            assert 'name="csrf_token"' in form, path
            seen += 1
    client.post("/logout", data={"csrf_token": csrf_token(client, "/search")})
    assert post_forms(client.get("/login").text)  # the sign-in form itself
    assert seen >= 8


def test_session_cookie_is_httponly_samesite_lax_and_secure_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        token = csrf_token(client)
        response = client.post(
            "/login",
            data={"card_number": CARD_A, "password": PASSWORD_A, "csrf_token": token},
            follow_redirects=False,
        )
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in cookies if c.startswith("central_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" in session
    assert "strict-transport-security" in response.headers


def test_session_cookie_is_not_marked_secure_over_plain_http(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={"card_number": CARD_A, "password": PASSWORD_A, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    session = response.headers["set-cookie"]
    assert "HttpOnly" in session and "Secure" not in session


def test_r17_logout_deletes_the_session_so_a_copied_cookie_is_useless(client: TestClient) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    copied = client.cookies.get("central_session")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    client.cookies.set("central_session", copied)
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_password_change_ends_the_patrons_other_sessions(app: FastAPI, client: TestClient) -> None:
    other = api_token(client, CARD_A, PASSWORD_A)
    sign_in(client, CARD_A, PASSWORD_A)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD_A,
            "new_password": "new-pass-2026",
            "new_password_confirm": "new-pass-2026",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert "パスワードを変更しました" in response.text
    assert client.get("/account").status_code == 200  # this session goes on
    assert client.get("/api/v1/me", headers=other).status_code == 401  # the other one ended


def test_r7_password_reissued_in_person_ends_every_session(settings: Settings, client: TestClient) -> None:
    headers = api_token(client, CARD_A, PASSWORD_A)
    engine = make_engine(settings.database_url)
    with new_session(engine) as session:
        patron = session.exec(select(Patron).where(Patron.card_number == CARD_A)).one()
        reissue_password(ServiceContext(session, settings.policy(), "staff:1", 1), patron, "driving_licence")
    engine.dispose()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def _throttled_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sign_in_max_failures_per_card": 3, "sign_in_max_failures_per_address": 6})


def _login(client: TestClient, card: str, password: str) -> str:
    data = {"card_number": card, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data).text


def test_sign_in_throttled_per_card_with_the_same_message_for_unknown_cards(settings: Settings) -> None:
    with TestClient(create_app(_throttled_settings(settings))) as client:
        for card in (CARD_A, "99999999"):  # a real card, and one that does not exist
            for _ in range(3):
                assert "利用者番号またはパスワードが正しくありません" in _login(client, card, "wrong-password")
        refused = _login(client, CARD_A, PASSWORD_A)  # even the right password, for now
        assert "しばらくログインできません" in refused
        assert _login(client, "99999999", "x").count("しばらくログインできません") == 1
        assert "山田" not in refused
        assert "利用照会" in _login(client, CARD_B, PASSWORD_B)  # other cards are not affected


def test_sign_in_throttled_per_client_address_across_cards(settings: Settings) -> None:
    with TestClient(create_app(_throttled_settings(settings))) as client:
        for n in range(6):
            _login(client, f"5000000{n}", "guess")
        assert "しばらくログインできません" in _login(client, CARD_B, PASSWORD_B)
        response = client.post("/api/v1/session", json={"card_number": CARD_B, "password": PASSWORD_B})
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "sign_in_throttled"


def test_a_card_without_internet_service_gets_the_same_answer_as_a_wrong_password(client: TestClient) -> None:
    no_account = client.post("/api/v1/session", json={"card_number": CARD_NO_ACCOUNT, "password": "x"}).json()
    wrong = client.post("/api/v1/session", json={"card_number": CARD_A, "password": "x"}).json()
    unknown = client.post("/api/v1/session", json={"card_number": "12345678", "password": "x"}).json()
    assert no_account == wrong == unknown


def test_security_headers_on_pages_api_and_errors(client: TestClient) -> None:
    for path in ("/search", "/api/v1/search?q=猫", "/no-such-page", "/static/site.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    assert client.get("/account").headers["cache-control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client: TestClient, facts: Facts) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    for path in ("/search", "/search/results?q=猫", f"/titles/{facts.bibs['neko']}", "/cart", "/account"):
        html = client.get(path).text
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], path
        assert " style=" not in html and "<style" not in html and " on" + "click=" not in html, path


def test_r7_sign_in_page_has_no_recovery_link_and_says_to_apply_again_in_person(client: TestClient) -> None:
    html = client.get("/login").text
    assert "窓口または移動図書館ちゅらゆめ号" in html
    assert "もう一度パスワードの申込み" in html
    links = re.findall(r"<a\b[^>]*>(.*?)</a>", html, re.S)
    assert not [text for text in links if re.search("忘れ|再設定|リセット|reset", text, re.I)]


def test_sign_in_never_redirects_off_site(client: TestClient) -> None:
    token = csrf_token(client)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            params={"next": target},
            data={"card_number": CARD_A, "password": PASSWORD_A, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/account"
        token = csrf_token(client, "/search")


def test_api_cookie_session_writes_need_the_csrf_header(client: TestClient, facts: Facts) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    assert client.get("/api/v1/loans").status_code == 200  # reads need no header
    path = f"/api/v1/loans/{facts.loans['a_renewable']}/renew"
    assert client.post(path).status_code == 403
    session = client.get("/api/v1/session").json()
    assert session["kind"] == "cookie"
    assert client.post(path, headers={"X-CSRF-Token": session["csrf_token"]}).status_code == 200


def test_serving_refuses_a_missing_or_default_secret(settings: Settings, tmp_path: Path) -> None:
    bare = settings.model_copy(update={"secret_key": "", "data_dir": tmp_path})
    with pytest.raises(MissingSecret):
        create_app(bare, require_secret=True)
    with pytest.raises(MissingSecret):
        create_app(bare.model_copy(update={"secret_key": "changethis"}), require_secret=True)
    (tmp_path / "secret_key").write_text("k" * 48 + "\n")
    create_app(bare, require_secret=True)  # read from <data_dir>/secret_key
