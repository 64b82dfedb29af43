"""The pages without a browser: what they say in the cases the browser tests do not walk through."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlmodel import select

from central.db import make_engine, new_session
from central.models import Patron, metadata
from central.services.accounts import apply_internet_service
from central.services.context import ServiceContext
from central.settings import Settings
from sync_protocol.activation import Channel
from tests.web.helpers import csrf_token, sign_in
from tests.web.library import CARD_A, CARD_NO_ACCOUNT, PASSWORD_A, Facts


def test_healthz_answers_status_database_and_titles(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "sqlite", "titles": 32}


def test_results_show_availability_and_page_through_many_titles(client: TestClient) -> None:
    first = client.get("/search/results", params={"q": "みやざわけんじ", "field": "author"}).text
    assert "24件(1 / 2ページ)" in first
    assert 'rel="next"' in first and "page=2" in first
    second = client.get("/search/results", params={"q": "みやざわけんじ", "field": "author", "page": 2}).text
    assert second.count('class="hit"') == 4
    assert "在架 1冊" in second


def test_an_empty_search_asks_for_words(client: TestClient) -> None:
    response = client.get("/search/results", params={"q": "  "})
    assert response.status_code == 422
    assert "検索語を入力してください。" in response.text


def test_one_and_two_character_queries_work(client: TestClient) -> None:
    assert "檸檬" in client.get("/search/results", params={"q": "檸"}).text
    assert "こころ" in client.get("/search/results", params={"q": "ココ"}).text


def test_the_cart_button_shows_only_for_titles_with_a_copy_out(client: TestClient, facts: Facts) -> None:
    assert "カートに入れる" in client.get(f"/titles/{facts.bibs['neko']}").text
    shelf = client.get(f"/titles/{facts.bibs['botchan']}").text
    assert "カートに入れる" not in shelf and "予約せずに" in shelf


def test_errors_are_japanese_pages(client: TestClient) -> None:
    missing = client.get("/titles/999999")
    assert missing.status_code == 404 and "資料が見つかりません。" in missing.text
    malformed = client.get("/titles/abc")
    assert malformed.status_code == 422 and "入力内容に誤りがあります" in malformed.text
    assert "お探しのページは見つかりませんでした" in client.get("/nowhere").text
    assert '<html lang="ja">' in missing.text


def test_r15_hold_refusals_are_listed_on_the_done_page(client: TestClient, facts: Facts) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    data = {
        "bib": [facts.bibs["melos"], facts.bibs["kokoro"]],  # A borrows 走れメロス already
        "pickup": facts.places["main"],
        "contact": "phone",
        "back": "/search/results?q=x",
        "csrf_token": csrf_token(client, "/account"),
    }
    done = client.post("/holds", data=data).text
    assert "「走れメロス」は予約できませんでした。この資料は現在借りています。" in done
    assert "こころ" in done and "1位" in done
    assert 'href="/search/results?q=x"' in done


def test_a_bookmobile_is_no_pickup_place(client: TestClient, facts: Facts) -> None:
    sign_in(client, CARD_A, PASSWORD_A)
    params = {"bib": facts.bibs["kokoro"], "pickup": facts.places["van"], "contact": "phone"}
    response = client.get("/holds/confirm", params=params)
    assert response.status_code == 422 and "受取場所を選んでください。" in response.text


def test_r5_bookmobile_application_says_from_which_day_it_works(client: TestClient, settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with new_session(engine) as session:
        patron = session.exec(select(Patron).where(Patron.card_number == CARD_NO_ACCOUNT)).one()
        ctx = ServiceContext(session, settings.policy(), "node:van-1", 2)
        issued = apply_internet_service(ctx, patron, "driving_licence", Channel.BOOKMOBILE)
    engine.dispose()
    data = {"card_number": CARD_NO_ACCOUNT, "password": issued.temporary_password, "csrf_token": csrf_token(client)}
    page = client.post("/login", data=data).text
    assert "からご利用いただけます。" in page
    assert "利用者認証" in page


def test_migration_0004_matches_the_web_models(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert [d for d in differences if "websession" in str(d) or "signinfailure" in str(d)] == []
