"""The staff pages over HTTP (the ASGI app, real SQLite): roles, the separate sign-in, CSRF, the desk
(R1, R4, R7, R9, R14, SPEC 12), the hold shelf, the sync dashboard, the conflict queue and the
"already resolved" answer a second admin gets."""

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from central.db import new_session
from central.errors import AuthenticationFailed
from central.models import Bib, HoldStatus, Item, Loan, NodeStatus, Patron, PatronBlock, SyncNode
from central.services.accounts import apply_internet_service, authenticate, change_password
from central.services.circulation import lend, return_item
from central.services.context import ServiceContext, transaction
from central.services.holds import place_hold
from central.staff import sessions as staff_sessions
from central.staff.accounts import StaffMember, add_staff
from central.sync import devices
from sync_protocol import operations as ops
from sync_protocol.policy import CirculationPolicy
from sync_protocol.signing import new_private_key, public_key_of
from tests.central.conftest import NOW
from tests.staff.conftest import APP_NOW
from tests.staff.helpers import ADMIN_PASSWORD, audit_rows, conflicts_of, csrf_token, post_form, staff_sign_in
from tests.sync.conftest import VanOutbox, reload

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]
MakePatron = Callable[..., Patron]


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    """The pages only translate: they are checked on SQLite, the decisions behind them on both databases."""
    path = tmp_path / "central.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def open_loans(session: Session) -> list[Loan]:
    with transaction(session):
        return list(session.exec(select(Loan).where(col(Loan.returned_at).is_(None))))


def queue_rows(html: str) -> str:
    """The queue's table body (the filter menus name every kind too)."""
    return html.split("<tbody>")[1] if "<tbody>" in html else ""


def test_b5_a_desk_account_cannot_reach_admin_pages(
    desk_client: TestClient, van_node: SyncNode, session: Session
) -> None:
    for path in ("/staff/conflicts", "/staff/conflicts/1", "/staff/devices", f"/staff/devices/{van_node.code}"):
        page = desk_client.get(path)
        assert page.status_code == 403, path
        assert "管理者のみ" in page.text
    refused = post_form(desk_client, "/staff/desk", f"/staff/devices/{van_node.code}/revoke", {"confirm": "true"})
    assert refused.status_code == 403
    assert reload(session, van_node).status == NodeStatus.ACTIVE
    home = desk_client.get("/staff")
    assert home.status_code == 200 and 'href="/staff/conflicts"' not in home.text
    assert desk_client.get("/staff/desk").status_code == 200


def test_staff_pages_need_a_staff_sign_in_and_a_patron_session_does_not_count(
    client: TestClient, ctx: Ctx, make_patron: MakePatron
) -> None:
    patron = make_patron()
    issued = apply_internet_service(ctx(), patron, "driving_licence")
    signed_in = client.post(
        "/login",
        data={
            "card_number": patron.card_number,
            "password": issued.temporary_password or "",
            "csrf_token": csrf_token(client, "/login"),
        },
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    page = client.get("/staff/desk", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/staff/login?next=%2Fstaff%2Fdesk"


def test_staff_sign_in_refuses_a_wrong_password_and_sign_out_ends_the_session(
    client: TestClient, admin: StaffMember, session: Session
) -> None:
    wrong = post_form(client, "/staff/login", "/staff/login", {"username": admin.username, "password": "nope"})
    assert "ユーザー名またはパスワードが正しくありません" in wrong.text
    staff_sign_in(client, admin.username, ADMIN_PASSWORD)
    assert client.get("/staff").status_code == 200
    post_form(client, "/staff", "/staff/logout", {})
    assert client.get("/staff", follow_redirects=False).status_code == 303
    assert [r.actor for r in audit_rows(session, "staff.sign_in")] == [admin.actor]
    assert [r.actor for r in audit_rows(session, "staff.sign_out")] == [admin.actor]


def _staff_cookie_attributes(response: Response) -> dict[str, str]:
    """The attributes of the staff session's Set-Cookie header (lower-cased; flags map to "")."""
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    (header,) = [h for h in headers if h.startswith(f"{staff_sessions.COOKIE}=")]
    attributes: dict[str, str] = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value.lower()
    return attributes


def test_staff_logout_over_https_drops_the_cookie_with_the_attributes_it_was_set_with(
    app: FastAPI, admin: StaffMember
) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        signed_in = client.post(
            "/staff/login",
            data={
                "username": admin.username,
                "password": ADMIN_PASSWORD,
                "csrf_token": csrf_token(client, "/staff/login"),
            },
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        signed_out = client.post(
            "/staff/logout", data={"csrf_token": csrf_token(client, "/staff")}, follow_redirects=False
        )
        assert signed_out.status_code == 303
    set_with = _staff_cookie_attributes(signed_in)
    dropped_with = _staff_cookie_attributes(signed_out)
    assert set_with["path"] == "/staff" and set_with["samesite"] == "strict"
    assert "secure" in set_with and "httponly" in set_with
    lifetime = ("max-age", "expires")
    assert {k: v for k, v in dropped_with.items() if k not in lifetime} == {
        k: v for k, v in set_with.items() if k not in lifetime
    }
    assert dropped_with["max-age"] == "0"
    assert staff_sessions.COOKIE not in client.cookies


def test_failed_staff_sign_ins_are_throttled_per_username(client: TestClient, admin: StaffMember) -> None:
    for _ in range(5):
        post_form(client, "/staff/login", "/staff/login", {"username": admin.username, "password": "guess-1234"})
    right = post_form(client, "/staff/login", "/staff/login", {"username": admin.username, "password": ADMIN_PASSWORD})
    assert "しばらくログインできません" in right.text
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_a_staff_form_without_its_csrf_token_is_refused(
    desk_client: TestClient, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    forged = desk_client.post("/staff/desk/lend", data={"card_number": patron.card_number, "barcode": copy.barcode})
    assert forged.status_code == 403
    assert open_loans(session) == []


def test_r14_a_walk_in_borrows_a_shelf_copy_a_hold_targets_and_the_hold_waits_for_another(
    desk_client: TestClient, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    holder, walk_in = make_patron(), make_patron()
    bib, copies = make_title(copies=2)
    hold = place_hold(ctx(), holder, bib.id, ctx().location_id, "phone")
    targeted = next(c for c in copies if c.id == hold.item_id)
    page = post_form(
        desk_client,
        "/staff/desk",
        "/staff/desk/lend",
        {"card_number": walk_in.card_number, "barcode": targeted.barcode},
    )
    assert "貸し出しました" in page.text and "来館者優先 R14" in page.text
    assert reload(session, hold).item_id not in (None, targeted.id)


def test_r9_a_renewal_refused_at_the_desk_shows_the_reason(
    desk_client: TestClient, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    _, (copy,) = make_title()
    lend(ctx(now=NOW - timedelta(days=30)), make_patron(), copy.barcode)
    page = post_form(desk_client, "/staff/desk", "/staff/desk/renew", {"barcode": copy.barcode})
    assert "返却期限を過ぎているため延長できません。" in page.text


def test_spec12_a_returned_copy_a_hold_waits_for_goes_to_the_hold_shelf(
    desk_client: TestClient, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    borrower, holder = make_patron(), make_patron()
    bib, (copy,) = make_title()
    lend(ctx(now=NOW - timedelta(days=3)), borrower, copy.barcode)
    hold = place_hold(ctx(), holder, bib.id, ctx().location_id, "phone")
    page = post_form(desk_client, "/staff/desk", "/staff/desk/return", {"barcode": copy.barcode})
    assert "予約棚に置いてください" in page.text and holder.card_number in page.text
    assert reload(session, hold).status == HoldStatus.READY


def test_the_hold_shelf_lists_copies_to_pull_holds_ready_and_holds_expiring_and_pulls_a_copy(
    desk_client: TestClient, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    borrower, ready_for, queued_for = make_patron(), make_patron(name="予約 一郎"), make_patron()
    lent_bib, (lent,) = make_title("坊っちゃん")
    lend(ctx(now=NOW - timedelta(days=9)), borrower, lent.barcode)
    place_hold(ctx(now=NOW - timedelta(days=8)), ready_for, lent_bib.id, ctx().location_id, "phone")
    return_item(ctx(now=NOW - timedelta(days=6)), lent.barcode)  # ready since a week: the deadline is near
    shelf_bib, (on_shelf,) = make_title("こころ")
    queued = place_hold(ctx(), queued_for, shelf_bib.id, ctx().location_id, "phone")
    page = desk_client.get("/staff/desk/holds").text
    pull, ready, expiring = page.split('id="pull"')[1], page.split('id="ready"')[1], page.split('id="expiring"')[1]
    assert on_shelf.barcode in pull.split('id="ready"')[0]
    assert "予約 一郎" in ready.split('id="expiring"')[0] and "予約 一郎" in expiring
    pulled = post_form(desk_client, "/staff/desk/holds", "/staff/desk/holds/pull", {"barcode": on_shelf.barcode})
    assert "予約棚に置いてください" in pulled.text
    assert reload(session, queued).status == HoldStatus.READY


def test_r7_a_password_reissued_at_the_desk_replaces_the_old_one_at_once(
    desk_client: TestClient, ctx: Ctx, engine: Engine, make_patron: MakePatron
) -> None:
    patron = make_patron()
    issued = apply_internet_service(ctx(now=NOW - timedelta(days=10)), patron, "driving_licence")
    change_password(ctx(now=NOW - timedelta(days=9)), patron, issued.temporary_password or "", "Forgotten-1")
    page = post_form(
        desk_client,
        f"/staff/patrons/{patron.id}",
        f"/staff/patrons/{patron.id}/reissue",
        {"id_document_kind": "health_insurance"},
    )
    assert "パスワードを再発行しました" in page.text and "以前のパスワードは使えなくなりました" in page.text
    temporary = page.text.split("data-temporary-password>")[1].split("<")[0]
    with new_session(engine) as fresh:  # what another request sees (this test's session holds the old hash)
        at_the_desk = ServiceContext(fresh, CirculationPolicy(), "web:guest", None, APP_NOW)
        assert authenticate(at_the_desk, patron.card_number, temporary).id == patron.id
        with pytest.raises(AuthenticationFailed):
            authenticate(at_the_desk, patron.card_number, "Forgotten-1")
    assert temporary not in desk_client.get(f"/staff/patrons/{patron.id}").text  # shown once


def test_r1_a_child_cannot_apply_and_the_registration_form_keeps_what_was_typed(
    desk_client: TestClient, session: Session
) -> None:
    form = {
        "card_number": "20000001",
        "name": "新垣 小太郎",
        "name_reading": "あらかき こたろう",
        "birth_date": "2016-01-01",
        "apply_internet": "true",
        "id_document_kind": "health_insurance",
    }
    page = post_form(desk_client, "/staff/desk/register", "/staff/desk/register", form)
    assert page.status_code == 409
    assert "中学生以上の方のみ" in page.text and 'value="新垣 小太郎"' in page.text
    with transaction(session):
        assert session.exec(select(Patron).where(Patron.card_number == "20000001")).first() is None


def test_the_sync_dashboard_shows_each_node_and_flags_one_not_heard_from(
    admin_client: TestClient, van: VanOutbox, van_node: SyncNode, session: Session, make_title: MakeTitle
) -> None:
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend("99990001", copy.barcode, date(2026, 6, 24))), received=APP_NOW - timedelta(hours=1))
    with transaction(session):
        node = session.get(SyncNode, van_node.id)
        assert node is not None
        node.last_contact_at = APP_NOW - timedelta(hours=40)
        node.last_pull_at = APP_NOW - timedelta(hours=3)
        node.clock_offset_ms = 1500
        session.add(node)
    row = admin_client.get("/staff/devices").text.split(f'id="node-{van_node.code}"')[1].split("</tr>")[0]
    assert 'class="flagged"' in admin_client.get("/staff/devices").text
    assert "連絡なし" in row and "1件" in row and "+1.5秒" in row and "3時間" in row


def test_b5_the_conflict_queue_filters_by_status_kind_node_and_age(
    admin_client: TestClient, van: VanOutbox, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend(patron.card_number, "T9999901", date(2026, 6, 24))), van.op(ops.Return(copy.barcode)))
    open_rows = queue_rows(admin_client.get("/staff/conflicts").text)
    assert "不明な資料バーコード" in open_rows and "貸出記録のない返却" not in open_rows
    auto_rows = queue_rows(admin_client.get("/staff/conflicts?status=auto").text)
    assert "貸出記録のない返却" in auto_rows and "T9999901" not in auto_rows
    assert "1件" in admin_client.get("/staff/conflicts?status=all&kind=unknown_barcode&node=BM1-A").text
    assert "該当する競合はありません" in admin_client.get("/staff/conflicts?status=all&older_than_days=7").text


def test_b5_a_second_admin_deciding_the_same_conflict_is_told_it_is_already_resolved(
    app: FastAPI,
    admin_client: TestClient,
    ctx: Ctx,
    van: VanOutbox,
    session: Session,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    add_staff(ctx(actor="operator:test"), "kanri2", "admin", ADMIN_PASSWORD, "管理 次郎")
    patron = make_patron()
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend(patron.card_number, "T9999901", date(2026, 6, 24))))
    (conflict,) = conflicts_of(session, "unknown_barcode")
    page = f"/staff/conflicts/{conflict.id}"
    with TestClient(app) as second:
        staff_sign_in(second, "kanri2", ADMIN_PASSWORD)
        tokens = [csrf_token(c, page) for c in (admin_client, second)]
        decision = {"action": "link", "barcode": copy.barcode, "reason": "ラベル貼り替え"}
        first = admin_client.post(f"{page}/decide", data={**decision, "csrf_token": tokens[0]})
        late = second.post(f"{page}/decide", data={**decision, "csrf_token": tokens[1]})
    assert "処理しました" in first.text and "判断した職員" in first.text and "管理 花子" in first.text
    assert "すでに処理されています(処理者 管理 花子" in late.text
    assert len(open_loans(session)) == 1


def test_enrolling_a_bookmobile_shows_its_one_time_code_once_and_the_code_enrols_it(
    admin_client: TestClient, ctx: Ctx
) -> None:
    page = post_form(admin_client, "/staff/devices", "/staff/devices", {"node_code": "BM1-B", "van": "BM1"})
    code = page.text.split("data-enrolment-code>")[1].split("<")[0]
    assert "この画面でのみ表示されます" in page.text and "80000000-80000999" in page.text
    assert code not in admin_client.get("/staff/devices/BM1-B").text
    node = devices.enrol(ctx(now=APP_NOW), "BM1-B", code, public_key_of(new_private_key()))
    assert node.status == NodeStatus.ACTIVE


def test_a_bookmobile_id_typed_full_width_is_enrolled_under_its_half_width_form(
    admin_client: TestClient, ctx: Ctx
) -> None:
    page = post_form(admin_client, "/staff/devices", "/staff/devices", {"node_code": "ＢＭ１－Ｃ", "van": "BM1"})
    code = page.text.split("data-enrolment-code>")[1].split("<")[0]
    assert "BM1-C" in page.text and "ＢＭ１－Ｃ" not in page.text
    assert devices.enrol(ctx(now=APP_NOW), "BM1-C", code, public_key_of(new_private_key())).code == "BM1-C"


def test_a_new_code_re_enrols_a_node_and_a_revoked_node_gets_none(
    admin_client: TestClient, van_node: SyncNode, session: Session
) -> None:
    rotated = post_form(admin_client, "/staff/devices/BM1-A", "/staff/devices/BM1-A/code", {})
    assert "data-enrolment-code" in rotated.text
    unconfirmed = post_form(admin_client, "/staff/devices/BM1-A", "/staff/devices/BM1-A/revoke", {})
    assert "確認のチェックを入れて" in unconfirmed.text
    assert reload(session, van_node).status == NodeStatus.ACTIVE
    revoked = post_form(admin_client, "/staff/devices/BM1-A", "/staff/devices/BM1-A/revoke", {"confirm": "true"})
    assert "利用停止にしました" in revoked.text
    assert reload(session, van_node).status == NodeStatus.REVOKED
    refused = post_form(admin_client, "/staff/devices/BM1-A", "/staff/devices/BM1-A/code", {})
    assert "利用停止した端末は再登録できません" in refused.text


def test_blocks_are_added_and_lifted_on_the_patron_page(
    desk_client: TestClient, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron()
    page = f"/staff/patrons/{patron.id}"
    added = post_form(desk_client, page, f"{page}/blocks", {"reason": "lost_card", "note": "電話で連絡あり"})
    assert "カード紛失:電話で連絡あり" in added.text
    with transaction(session):
        block_id = session.exec(select(PatronBlock.id)).one()
    lifted = post_form(desk_client, page, f"{page}/blocks/{block_id}/lift", {})
    assert "貸出停止はありません" in lifted.text
