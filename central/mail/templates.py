"""The Japanese texts of the notices (R10).

Titles are left out on purpose: a mailbox (often shared by a family) is no place for what a
patron reads, and the ledger that stores these texts must not become a reading history. The
patron sees the titles on the account page (利用照会); staff see them in the staff list.
"""

from dataclasses import dataclass
from datetime import date

_WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class Letterhead:
    """What every message says about the sender: the library's name and how to reach it."""

    library_name: str
    library_phone: str = ""


@dataclass(frozen=True)
class MailText:
    """Subject and plain-text body of one notice."""

    subject: str
    body: str


def japanese_date(day: date) -> str:
    """2026年6月18日(木): the form patrons read on every notice."""
    return f"{day.year}年{day.month}月{day.day}日({_WEEKDAYS[day.weekday()]})"


def _footer(head: Letterhead) -> str:
    """R10: mail comes from a no-reply address, and says so, with the way to reach the library."""
    contact = f"お問い合わせは{head.library_name}"
    contact += f"(電話 {head.library_phone})へお願いします。" if head.library_phone else "の窓口へお願いします。"
    return "\n".join(
        [
            "――――――――――――――――――――",
            head.library_name,
            "このメールは送信専用のアドレスから送信しています。",
            "このメールに返信されても内容を確認できませんので、ご了承ください。",
            contact,
        ]
    )


def hold_ready(head: Letterhead, patron_name: str, pickup_place: str, last_day: date) -> MailText:
    """予約資料の確保: the hold is on the hold shelf at `pickup_place` until `last_day` inclusive."""
    body = "\n".join(
        [
            f"{patron_name} 様",
            "",
            "ご予約の資料をご用意しました。",
            "",
            f"  受取場所: {pickup_place}",
            f"  取置期限: {japanese_date(last_day)}まで",
            "",
            "受け取りの際は利用者カードをお持ちください。",
            "期限を過ぎますと予約は取り消しとなり、資料は次にお待ちの方へ回ります。",
            "資料名はプライバシー保護のため記載していません。利用照会(インターネットサービス)でご確認いただけます。",
            "",
            _footer(head),
        ]
    )
    return MailText(f"【{head.library_name}】予約資料のご用意ができました", body)


def stop_hold_ready(
    head: Letterhead, patron_name: str, stop: str, visit_day: date, window: str, last_day: date
) -> MailText:
    """予約資料の確保, for a bookmobile stop: the copy is on the van, which comes to `stop` on
    `visit_day` in `window`; it waits there until the visit of `last_day`."""
    body = "\n".join(
        [
            f"{patron_name} 様",
            "",
            "ご予約の資料を移動図書館に積み込みました。次の巡回でお渡しします。",
            "",
            f"  受取場所: {stop}",
            f"  お渡し日: {japanese_date(visit_day)} {window}",
            f"  取置期限: {japanese_date(last_day)}の巡回まで",
            "",
            "受け取りの際は利用者カードをお持ちください。",
            "期限の巡回までにお受け取りがない場合、予約は取り消しとなり、資料は次にお待ちの方へ回ります。",
            "運休などで巡回日が変わる場合は、図書館のホームページでお知らせします。",
            "資料名はプライバシー保護のため記載していません。利用照会(インターネットサービス)でご確認いただけます。",
            "",
            _footer(head),
        ]
    )
    return MailText(f"【{head.library_name}】予約資料のご用意ができました(移動図書館)", body)


def overdue_reminder(head: Letterhead, patron_name: str, due: date, days_overdue: int) -> MailText:
    """督促: a loan is `days_overdue` days past its due date."""
    body = "\n".join(
        [
            f"{patron_name} 様",
            "",
            "お借りいただいている資料の返却期限が過ぎています。",
            "他にもお待ちの方がいらっしゃいますので、お早めにご返却ください。",
            "",
            f"  返却期限: {japanese_date(due)}({days_overdue}日経過)",
            "",
            "返却は図書館のカウンター、または移動図書館でお受けします。",
            "資料名はプライバシー保護のため記載していません。利用照会(インターネットサービス)でご確認いただけます。",
            "すでにご返却いただいている場合は、行き違いですのでご容赦ください。",
            "",
            _footer(head),
        ]
    )
    return MailText(f"【{head.library_name}】返却期限を過ぎた資料があります", body)
