"""R10 e-mail over a real SMTP server on loopback (aiosmtpd): once, in Japanese, from the no-reply sender."""

import shutil
import ssl
import subprocess
from datetime import date, timedelta
from email.headerregistry import Address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine

from central.db import new_session
from central.mail.ledger import NoticeStatus
from central.mail.templates import Letterhead, hold_ready, overdue_reminder
from central.nightly.staff_list import staff_list
from central.services.circulation import lend
from tests.central.conftest import NOW
from tests.central.test_nightly_support import (
    SENDER,
    Ctx,
    MakePatron,
    MakeTitle,
    free_port,
    notices,
    outbox,
    ready_hold,
    run_on,
    settings_for,
    smtp_server,
)

TODAY = date(2026, 6, 10)


def _two_notices_due(ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle) -> None:
    """A hold ready since today (last day 2026-06-17) and a loan due 2026-06-04 (6 days overdue)."""
    ready_hold(ctx, make_patron, make_title, name="比嘉花子", email="hanako@example.jp")
    _, (copy,) = make_title("こころ")
    lend(ctx(now=NOW - timedelta(days=20)), make_patron(name="金城次郎", email="jiro@example.jp"), copy.barcode)


def test_r10_notices_arrive_once_in_japanese_from_the_no_reply_sender(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    port = free_port()
    settings = settings_for(engine, tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    _two_notices_due(ctx, make_patron, make_title)
    with smtp_server(port) as inbox:
        report = run_on(engine, settings, TODAY, transport=None)
        assert report.counts["send_mail"] == {"sent": 2, "failed": 0}
        by_rcpt = {tuple(e.rcpt_tos): e for e in inbox.envelopes}
        assert set(by_rcpt) == {("hanako@example.jp",), ("jiro@example.jp",)}
        assert {e.mail_from for e in inbox.envelopes} == {SENDER}
        ready, overdue = (inbox.messages[i] for i in (0, 1))
        for message in (ready, overdue):
            (sender,) = message["From"].addresses
            assert (sender.addr_spec, sender.display_name) == (SENDER, "宜野湾市民図書館")
            assert message["Auto-Submitted"] == "auto-generated" and message.get_content_charset() == "utf-8"
            assert "送信専用" in message.get_content() and "返信されても内容を確認できません" in message.get_content()
        assert ready["Subject"] == "【宜野湾市民図書館】予約資料のご用意ができました"
        assert "比嘉花子 様" in ready.get_content() and "受取場所: 本館" in ready.get_content()
        assert "取置期限: 2026年6月17日(水)まで" in ready.get_content()
        assert overdue["Subject"] == "【宜野湾市民図書館】返却期限を過ぎた資料があります"
        assert "返却期限: 2026年6月4日(木)(6日経過)" in overdue.get_content()

        again = run_on(engine, settings, TODAY, transport=None)
        assert again.counts["send_mail"] == {"sent": 0, "failed": 0}
        assert len(inbox.envelopes) == 2


def test_r10_smtp_server_down_for_one_run_gets_the_messages_on_the_next(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    port = free_port()  # nothing listens there yet
    settings = settings_for(engine, tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    _two_notices_due(ctx, make_patron, make_title)

    down = run_on(engine, settings, TODAY, transport=None)
    assert down.status == "completed" and down.counts["send_mail"] == {"sent": 0, "failed": 2}
    assert f"127.0.0.1:{port}" in down.notes["send_mail"][0]
    assert {(n.status, n.attempts) for n in notices(engine)} == {(NoticeStatus.PENDING, 1)}
    with new_session(engine) as session:  # staff can see what is stuck
        assert [e.reason.startswith("メール送信失敗(1回)") for e in staff_list(session)] == [True, True]

    with smtp_server(port) as inbox:
        up = run_on(engine, settings, TODAY + timedelta(days=1), transport=None)
        assert up.counts["send_mail"] == {"sent": 2, "failed": 0}
        assert sorted(r for e in inbox.envelopes for r in e.rcpt_tos) == ["hanako@example.jp", "jiro@example.jp"]
        assert run_on(engine, settings, TODAY + timedelta(days=1), transport=None).counts["send_mail"]["sent"] == 0
        assert len(inbox.envelopes) == 2
    assert {(n.status, n.attempts, n.last_error) for n in notices(engine)} == {(NoticeStatus.SENT, 2, "")}


class _Accounts:
    """An aiosmtpd authenticator that accepts one user and remembers who logged in."""

    def __init__(self) -> None:
        self.logins: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"library", b"s3cret")
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command for a test certificate")
def test_r10_mail_is_sent_over_starttls_with_the_configured_login(
    engine: Engine,
    tmp_path: Path,
    ctx: Ctx,
    make_patron: MakePatron,
    make_title: MakeTitle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the test's certificate, and only it
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    accounts = _Accounts()
    port = free_port()
    settings = settings_for(
        engine,
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="starttls",
        smtp_user="library",
        smtp_password="s3cret",
    )
    ready_hold(ctx, make_patron, make_title)
    options = {"tls_context": server_tls, "require_starttls": True, "authenticator": accounts, "auth_require_tls": True}
    with smtp_server(port, **options) as inbox:
        report = run_on(engine, settings, TODAY, transport=None)
    assert report.counts["send_mail"] == {"sent": 1, "failed": 0}
    assert accounts.logins == ["library"] and len(inbox.envelopes) == 1


def test_r10_without_an_smtp_host_messages_are_written_as_eml_files(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)  # the embedded default: no smtp_host
    ready_hold(ctx, make_patron, make_title)
    assert run_on(engine, settings, TODAY, transport=None).counts["send_mail"]["sent"] == 1
    (eml,) = (tmp_path / "var" / "outbox-mail").glob("*.eml")
    (message,) = outbox(settings)
    assert message["To"] == "taro@example.jp" and eml.stat().st_size > 0
    assert message["From"].addresses[0] == Address("宜野湾市民図書館", addr_spec=SENDER)


def test_r10_every_template_says_replies_are_not_read_and_how_to_reach_the_library() -> None:
    head = Letterhead("宜野湾市民図書館", "098-000-0000")
    for text in (
        hold_ready(head, "山田太郎", "本館", date(2026, 6, 17)),
        overdue_reminder(head, "山田太郎", date(2026, 6, 4), 6),
    ):
        assert text.subject.startswith("【宜野湾市民図書館】")
        assert "送信専用" in text.body and "(電話 098-000-0000)" in text.body
