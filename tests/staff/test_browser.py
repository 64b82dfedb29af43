"""The staff pages in a real browser (headless Debian Chromium) against central served by Uvicorn on
loopback: merging a duplicate registration, linking an unknown barcode, revoking a node (the real
van node's next sync is refused), and registering a patron at the desk who signs in on the patrons'
pages the same day. Screenshots go to test-artifacts/screenshots/staff/."""

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlmodel import Session, col, select

from bookmobile.desk.lending import lend as lend_on_the_van
from bookmobile.store import outbox
from bookmobile.store.connection import reading
from bookmobile.sync.errors import CentralRefused
from bookmobile.sync.session import sync_once
from central.db import new_session
from central.models import Item, Loan, NodeStatus, Patron, PatronStatus, SyncNode
from central.services.context import ServiceContext, transaction
from central.settings import Settings
from central.staff.accounts import add_staff
from central.web.app import create_app
from sync_protocol import operations as ops
from sync_protocol.policy import CirculationPolicy
from tests.staff.helpers import ADMIN_PASSWORD, DESK_PASSWORD, conflicts_of, served
from tests.sync.conftest import VanOutbox
from tests.sync.harness import CARDS, NODE, VAN_COPIES, central_operations, enrolled_van, prepared_central

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "staff"
PC = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
MakeTitle = Callable[..., tuple[object, list[Item]]]
MakePatron = Callable[..., Patron]


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    """A browser checks the pages; one database (SQLite) is enough for that."""
    path = tmp_path / "central.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def new_page(browser: Browser, url: str) -> Page:
    context = browser.new_context(base_url=url, locale="ja-JP", viewport=PC)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def live(settings: Settings, locations: dict) -> Iterator[str]:
    """This test's central (real clock) behind Uvicorn on loopback."""
    with served(create_app(settings, require_secret=True)) as url:
        yield url


def screenshot(page: Page, name: str) -> None:
    """The page at PC width and at phone width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-pc.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(PC)


def staff_sign_in(page: Page, username: str, password: str, then: str = "/staff") -> None:
    page.goto(f"/staff/login?next={then}")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def open_conflict(page: Page, kind_label: str) -> None:
    page.get_by_role("navigation", name="業務メニュー").get_by_role("link", name="競合").click()
    expect(page.get_by_role("heading", name="競合一覧")).to_be_visible()
    page.locator("table.queue tr").filter(has_text=kind_label).get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile(kind_label))).to_be_visible()


def test_b5_spec6_an_admin_merges_a_duplicate_registration_in_the_browser(
    browser: Browser,
    live: str,
    van: VanOutbox,
    session: Session,
    ctx: Callable[..., ServiceContext],
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    add_staff(ctx(actor="operator:test"), "kanri", "admin", ADMIN_PASSWORD, "管理 花子")
    desk_record = make_patron(name="山田太郎", birth_date=date(1990, 5, 5))
    _, (copy,) = make_title()
    van.send(
        van.op(ops.RegisterPatron("80000001", "山田 太郎", "ヤマダタロウ", date(1990, 5, 5), "", "090-1234", None)),
        van.op(ops.Lend("80000001", copy.barcode, date(2026, 6, 24))),
    )
    page = new_page(browser, live)
    staff_sign_in(page, "kanri", ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="業務メニュー")).to_be_visible()
    screenshot(page, "01-home-admin")
    open_conflict(page, "同一人物の重複登録")
    screenshot(page, "02-duplicate-person")
    merge = page.get_by_role("form", name="利用者の記録を統合する")
    expect(merge.get_by_label("残す記録")).to_contain_text(desk_record.card_number)
    with new_session(session.get_bind()) as fresh, transaction(fresh):
        twin_id = fresh.exec(select(Patron.id).where(Patron.card_number == "80000001")).one()
    merge.get_by_label("残す記録").select_option(value=str(desk_record.id))
    merge.get_by_label("統合して無効にする記録").select_option(value=str(twin_id))
    merge.get_by_label("理由(任意)").fill("同一人物(本人に確認)")
    merge.get_by_role("button", name="利用者の記録を統合する").click()
    expect(page.get_by_text("処理しました")).to_be_visible()
    expect(page.locator(".decision-made")).to_contain_text("管理 花子")
    screenshot(page, "03-merged")
    with new_session(session.get_bind()) as fresh, transaction(fresh):
        twin = fresh.exec(select(Patron).where(Patron.card_number == "80000001")).one()
        loan = fresh.exec(select(Loan).where(Loan.item_id == copy.id)).one()
    assert twin.status == PatronStatus.MERGED and twin.merged_into_id == desk_record.id
    assert loan.patron_id == desk_record.id


def test_b5_spec7_an_admin_links_an_unknown_barcode_and_the_held_loan_is_applied(
    browser: Browser,
    live: str,
    van: VanOutbox,
    session: Session,
    ctx: Callable[..., ServiceContext],
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    add_staff(ctx(actor="operator:test"), "kanri", "admin", ADMIN_PASSWORD, "管理 花子")
    patron = make_patron()
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend(patron.card_number, "T9999901", date(2026, 6, 24))))
    page = new_page(browser, live)
    staff_sign_in(page, "kanri", ADMIN_PASSWORD)
    open_conflict(page, "不明な資料バーコード")
    expect(page.locator(".side.van")).to_contain_text("T9999901")
    link = page.get_by_role("form", name="資料・利用者を紐付けて適用する")
    link.get_by_label("紐付ける資料バーコード").fill(copy.barcode)
    link.get_by_label("理由(任意)").fill("ラベルの貼り替え漏れ")
    screenshot(page, "04-unknown-barcode")
    link.get_by_role("button", name="資料・利用者を紐付けて適用する").click()
    expect(page.get_by_text("処理しました")).to_be_visible()
    expect(page.locator(".decision-made")).to_contain_text("ラベルの貼り替え漏れ")
    screenshot(page, "05-linked")
    (conflict,) = conflicts_of(session, "unknown_barcode")
    assert conflict.status == "resolved"
    with new_session(session.get_bind()) as fresh, transaction(fresh):
        loans = fresh.exec(select(Loan).where(Loan.item_id == copy.id, col(Loan.returned_at).is_(None))).all()
    assert [loan.patron_id for loan in loans] == [patron.id]


def test_b3_an_admin_revokes_a_node_in_the_browser_and_its_next_sync_is_refused(
    browser: Browser, tmp_path: Path
) -> None:
    settings, engine, code = prepared_central(tmp_path / "central")
    with new_session(engine) as setup:
        add_staff(ServiceContext(setup, CirculationPolicy(), "operator:test", None), "kanri", "admin", ADMIN_PASSWORD)
    with served(create_app(settings)) as url:
        van = enrolled_van(tmp_path / "van", url, code)
        lend_on_the_van(van, CARDS[0], VAN_COPIES[0])
        sync_once(van, van.settings)
        lend_on_the_van(van, CARDS[1], VAN_COPIES[1])  # recorded after the laptop was lost
        page = new_page(browser, url)
        staff_sign_in(page, "kanri", ADMIN_PASSWORD, then="/staff/devices")
        expect(page.get_by_role("heading", name="端末と同期状況")).to_be_visible()
        expect(page.locator(f"#node-{NODE}")).to_contain_text("稼働中")
        screenshot(page, "06-devices")
        page.get_by_role("link", name=NODE).click()
        page.get_by_label(re.compile("紛失・盗難などを確認しました")).check()
        page.get_by_role("button", name="利用停止にする").click()
        expect(page.get_by_text("利用停止にしました")).to_be_visible()
        screenshot(page, "07-node-revoked")
        with pytest.raises(CentralRefused) as refused:
            sync_once(van, van.settings)
        assert getattr(refused.value, "central_code", "") == "node_revoked"
        with reading(van.conn):
            assert outbox.counts(van.conn).pending == 1  # kept on the van, not lost
        van.close()
    assert [op.seq for op in central_operations(engine)] == [1]
    with new_session(engine) as check, transaction(check):
        assert check.exec(select(SyncNode)).one().status == NodeStatus.REVOKED
    engine.dispose()


def test_r1_r2_r4_a_patron_registered_at_the_desk_signs_in_on_the_patron_pages_the_same_day(
    browser: Browser, live: str, ctx: Callable[..., ServiceContext]
) -> None:
    add_staff(ctx(actor="operator:test"), "madoguchi", "desk", DESK_PASSWORD, "窓口 太郎")
    desk = new_page(browser, live)
    staff_sign_in(desk, "madoguchi", DESK_PASSWORD, then="/staff/desk/register")
    expect(desk.get_by_role("heading", name="利用者登録")).to_be_visible()
    desk.get_by_label("利用者番号").fill("20260001")
    desk.get_by_label("氏名").fill("比嘉 さくら")
    desk.get_by_label("よみ(ひらがな)").fill("ひが さくら")
    desk.get_by_label("生年月日").fill("2000-04-02")
    desk.get_by_label("インターネットサービスも申し込む").check()
    desk.get_by_label("確認した本人確認書類").select_option(label="運転免許証")
    screenshot(desk, "08-register")
    desk.get_by_role("button", name="登録する").click()
    expect(desk.get_by_role("heading", name="利用者を登録しました")).to_be_visible()
    password = desk.locator("[data-temporary-password]").inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{8}", password)
    screenshot(desk, "09-temporary-password")

    patron = new_page(browser, live)  # the patron, at home, the same day
    patron.goto("/login")
    patron.get_by_label("利用者番号").fill("20260001")
    patron.get_by_label("パスワード", exact=True).fill(password)
    patron.get_by_role("button", name="次に進む").click()
    expect(patron.get_by_role("heading", name="利用照会")).to_be_visible()
    expect(patron.locator("[data-r6-banner]")).to_be_visible()  # R6: urged to change it
    screenshot(patron, "10-patron-signed-in")
    desk.goto("/staff/conflicts")
    expect(desk.get_by_role("heading", name="この画面は開けません")).to_be_visible()  # desk accounts: no admin pages
    screenshot(desk, "11-desk-forbidden")
