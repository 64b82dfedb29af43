"""The patrons' pages in a real browser (headless Debian Chromium) against a real Uvicorn server.

Each test follows the library page's wording and flow (R15) and saves screenshots of the pages it
passes through, at PC and phone widths, under test-artifacts/screenshots/.
"""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import select

from central.db import make_engine, new_session
from central.models import Hold
from central.settings import Settings
from tests.web.conftest import screenshot
from tests.web.library import CARD_A, CARD_TEMP, PASSWORD_A, Facts


def sign_in(page: Page, card: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("利用者番号").fill(card)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="次に進む").click()
    expect(page.get_by_role("heading", name="利用照会")).to_be_visible()


def search(page: Page, text: str) -> None:
    page.goto("/search")
    page.get_by_label("検索語").fill(text)
    page.get_by_role("button", name="検索", exact=True).click()
    expect(page.get_by_role("heading", name="検索結果一覧")).to_be_visible()


def open_cart(page: Page) -> None:
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name=re.compile("^カート")).click()
    expect(page.get_by_role("heading", name="予約カート")).to_be_visible()


def hold_count(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    with new_session(engine) as session:
        count = session.exec(select(func.count()).select_from(Hold)).one()
    engine.dispose()
    return int(count)


def test_r15_search_results_title_cart_sign_in_pickup_confirm_done(page: Page) -> None:
    search(page, "ねこ")
    hit = page.locator("li.hit").filter(has_text="吾輩は猫である")
    expect(hit).to_contain_text("在架 0冊")
    expect(hit).to_contain_text("貸出中 2冊")
    expect(hit).to_contain_text("予約 0件")
    screenshot(page, "02-results")

    page.get_by_role("link", name="吾輩は猫である").click()
    expect(page.get_by_role("heading", name="吾輩は猫である")).to_be_visible()
    page.get_by_role("button", name="カートに入れる").click()
    expect(page.locator("[data-cart-status]")).to_have_text("カートに入れました。")
    screenshot(page, "03-title")

    open_cart(page)
    expect(page.locator("[data-cart-list]")).to_contain_text("吾輩は猫である")
    screenshot(page, "04-cart")
    page.get_by_role("button", name="予約する").click()

    expect(page.get_by_role("heading", name="利用者認証")).to_be_visible()
    page.get_by_label("利用者番号").fill("１００００００１")  # full-width digits are normalised (R15)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD_A)
    screenshot(page, "05-sign-in")
    page.get_by_role("button", name="次に進む").click()

    expect(page.get_by_role("heading", name="受取場所と連絡方法の選択")).to_be_visible()
    page.get_by_label(re.compile("大山公民館")).check()
    page.get_by_label(re.compile("^メール")).check()
    screenshot(page, "06-pickup")
    page.get_by_role("button", name="次に進む").click()

    expect(page.get_by_role("heading", name="予約内容の確認")).to_be_visible()
    expect(page.locator("main")).to_contain_text("大山公民館")
    expect(page.locator("main")).to_contain_text("メール(hanako@example.jp)")
    screenshot(page, "07-confirm")
    page.get_by_role("button", name="予約を確定する").click()

    expect(page.get_by_role("heading", name="予約完了")).to_be_visible()
    expect(page.locator("table")).to_contain_text("吾輩は猫である")
    expect(page.locator("table")).to_contain_text("1位")
    expect(page.locator("[data-cart-count]")).to_be_hidden()  # the reserved title left the cart
    screenshot(page, "08-done")
    page.get_by_role("link", name="予約完了").click()
    expect(page).to_have_url(re.compile(r"/search/results\?q=%E3%81%AD%E3%81%93&field=keyword&page=1$"))
    expect(page.get_by_role("heading", name="検索結果一覧")).to_be_visible()


def test_r18_signed_in_bulk_add_from_results_and_sign_in_step_skipped(page: Page) -> None:
    sign_in(page, CARD_A, PASSWORD_A)
    search(page, "夏目漱石")
    expect(page.get_by_role("checkbox", name=re.compile("坊っちゃん"))).to_have_count(0)  # on the shelf
    page.get_by_role("checkbox", name=re.compile("吾輩は猫である")).check()
    page.get_by_role("checkbox", name=re.compile("こころ")).check()
    screenshot(page, "02-results-signed-in")
    page.get_by_role("button", name="チェックした資料をカートに入れる").click()
    expect(page.locator("[data-cart-status]")).to_have_text("2点をカートに入れました。")
    expect(page.locator("[data-cart-count]")).to_have_text("2")

    open_cart(page)
    page.get_by_role("button", name="予約する").click()
    expect(page.get_by_role("heading", name="受取場所と連絡方法の選択")).to_be_visible()  # no sign-in step
    page.get_by_role("button", name="次に進む").click()
    page.get_by_role("button", name="予約を確定する").click()
    expect(page.get_by_role("heading", name="予約完了")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(2)

    page.goto("/account")
    holds = page.locator("#holds")
    expect(holds).to_contain_text("吾輩は猫である")
    expect(holds).to_contain_text("こころ")
    expect(holds).to_contain_text("1位")


def test_r16_cart_remove_and_clear(page: Page, facts: Facts, settings: Settings) -> None:
    before = hold_count(settings)
    for key in ("neko", "kokoro"):
        page.goto(f"/titles/{facts.bibs[key]}")
        page.get_by_role("button", name="カートに入れる").click()
    open_cart(page)
    expect(page.get_by_role("note")).to_contain_text("共用でご利用のパソコンの場合、予約カートの内容が他の方に見られる")
    items = page.locator("[data-cart-list] li")
    expect(items).to_have_count(2)

    page.get_by_role("button", name="「吾輩は猫である」をカートから取消").click()
    expect(items).to_have_count(1)
    expect(items).to_contain_text("こころ")
    page.reload()
    expect(items).to_have_count(1)  # kept in this browser's storage

    page.get_by_role("button", name="カートをクリア").click()
    expect(items).to_have_count(0)
    expect(page.get_by_text("カートに資料はありません。")).to_be_visible()
    page.reload()
    expect(items).to_have_count(0)
    assert hold_count(settings) == before  # the cart is not a hold


def test_r9_renew_allowed_then_refused_with_the_reason(page: Page, facts: Facts) -> None:
    sign_in(page, CARD_A, PASSWORD_A)
    renewable = page.locator(f"#loan-{facts.loans['a_renewable']}")
    renewable.get_by_role("button", name=re.compile("延長")).click()
    expect(renewable).to_contain_text("まで延長しました。")
    expect(renewable).to_contain_text("延長済み")
    screenshot(page, "09-account")

    renewable.get_by_role("button", name=re.compile("延長")).click()
    expect(renewable).to_contain_text("すでに延長済みのため")
    overdue = page.locator(f"#loan-{facts.loans['a_overdue']}")
    overdue.get_by_role("button", name=re.compile("延長")).click()
    expect(overdue).to_contain_text("返却期限を過ぎているため延長できません。")
    held = page.locator(f"#loan-{facts.loans['a_held']}")
    held.get_by_role("button", name=re.compile("延長")).click()
    expect(held).to_contain_text("この資料には予約が入っているため延長できません。")


def test_r12_email_change_refused_for_consecutive_dots(page: Page) -> None:
    sign_in(page, CARD_A, PASSWORD_A)
    section = page.locator("#email")
    section.get_by_label("新しいメールアドレス").fill("taro..yamada@docomo.ne.jp")
    section.get_by_role("button", name="メールアドレスを変更する").click()
    alert = section.get_by_role("alert")
    expect(alert).to_contain_text("「..」(連続したピリオド)が含まれています")
    expect(alert).to_contain_text("RFCに準拠していない")
    expect(section).to_contain_text("hanako@example.jp")
    screenshot(page, "10-account-email-refused")

    section.get_by_label("新しいメールアドレス").fill("ｈａｎａｋｏ．ｎｅｗ＠example.jp")  # full-width, as phones type
    section.get_by_role("button", name="メールアドレスを変更する").click()
    expect(section.get_by_role("status")).to_have_text("メールアドレスを変更しました。")
    expect(section).to_contain_text("hanako.new@example.jp")


def test_r6_banner_until_the_temporary_password_is_changed(page: Page, facts: Facts) -> None:
    sign_in(page, CARD_TEMP, facts.temporary_password)
    banner = page.locator("[data-r6-banner]")
    expect(banner).to_contain_text("仮パスワードのままご利用中です")
    page.goto("/search")
    expect(banner).to_be_visible()  # on every page until changed
    screenshot(page, "11-temporary-password-banner")

    page.goto("/account")
    section = page.locator("#password")
    section.get_by_label("現在のパスワード").fill(facts.temporary_password)
    section.get_by_label("新しいパスワード", exact=True).fill("umi-to-sora-26")
    section.get_by_label("新しいパスワード(確認)").fill("umi-to-sora-26")
    section.get_by_role("button", name="パスワードを変更する").click()
    expect(section.get_by_role("status")).to_contain_text("パスワードを変更しました。")
    expect(banner).to_have_count(0)
    page.goto("/search")
    expect(banner).to_have_count(0)


def test_r17_logout_at_the_top_right_ends_the_session(page: Page) -> None:
    sign_in(page, CARD_A, PASSWORD_A)
    logout = page.get_by_role("button", name="ログアウト")
    box = logout.bounding_box()
    assert box is not None and box["x"] > 1280 / 2 and box["y"] < 120  # top right
    page.set_viewport_size({"width": 390, "height": 844})
    box = logout.bounding_box()
    assert box is not None and box["x"] > 390 / 2 and box["y"] < 120  # also on a phone
    logout.click()
    expect(page.get_by_role("status")).to_have_text("ログアウトしました。")
    expect(page.get_by_role("link", name="ログイン")).to_be_visible()
    page.goto("/account")
    expect(page.get_by_role("heading", name="利用者認証")).to_be_visible()
    expect(page.locator("main")).to_contain_text("窓口または移動図書館ちゅらゆめ号")  # R7: no recovery link
    screenshot(page, "01-sign-in-page")


def test_search_page_keyboard_first_stop_is_the_skip_link(page: Page) -> None:
    page.goto("/search")
    screenshot(page, "01-search")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="本文へ移動")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_label("検索語").focus()
    page.keyboard.type("ｷﾞﾝｶﾞ")  # half-width katakana finds the hiragana reading
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="銀河鉄道の夜")).to_be_visible()
