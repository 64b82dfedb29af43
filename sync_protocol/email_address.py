"""R12: e-mail addresses the library can actually deliver to.

Old Japanese mobile carriers handed out addresses such as ``taro..yamada@docomo.ne.jp`` or
``taro.@ezweb.ne.jp``. They break RFC 5322 and mail to them may bounce, so they are refused
with a plain Japanese explanation. Input is NFKC-normalised first (full-width ＠ and letters are
common on phones). No DNS lookups: the check must give the same answer offline on the van.
"""

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from sync_protocol.normalize import nfkc
from sync_protocol.refusal import Refusal

EMPTY = Refusal(
    code="email_empty",
    ja="メールアドレスを入力してください。",
    en="Please enter an e-mail address.",
)
CONSECUTIVE_DOTS = Refusal(
    code="email_consecutive_dots",
    ja=(
        "メールアドレスに「..」(連続したピリオド)が含まれています。"
        "このようなアドレスはRFCに準拠していないため、図書館からのメールが届かない場合があります。"
        "別のアドレスを登録してください。"
    ),
    en="The address contains '..' (consecutive dots). It is not RFC-compliant and mail to it may fail.",
)
DOT_BEFORE_AT = Refusal(
    code="email_dot_before_at",
    ja=(
        "メールアドレスの「@」の直前にピリオドがあります(「.@」)。"
        "このようなアドレスはRFCに準拠していないため、図書館からのメールが届かない場合があります。"
        "別のアドレスを登録してください。"
    ),
    en="The address has a dot right before '@'. It is not RFC-compliant and mail to it may fail.",
)
LEADING_DOT = Refusal(
    code="email_leading_dot",
    ja=(
        "メールアドレスがピリオドで始まっています。"
        "このようなアドレスはRFCに準拠していないため、図書館からのメールが届かない場合があります。"
    ),
    en="The address starts with a dot. It is not RFC-compliant and mail to it may fail.",
)
MALFORMED = Refusal(
    code="email_malformed",
    ja="メールアドレスの形式が正しくありません。「名前@ドメイン」の形で入力してください。",
    en="This is not a valid e-mail address (expected name@domain).",
)


@dataclass(frozen=True)
class EmailCheck:
    """The outcome of R12: the address as it will be stored, or why it is refused."""

    address: str | None
    refusal: Refusal | None


def check_email(raw: str) -> EmailCheck:
    """Normalise and validate an address under R12, without any network access."""
    text = nfkc(raw)
    if not text:
        return EmailCheck(None, EMPTY)
    if ".." in text:
        return EmailCheck(None, CONSECUTIVE_DOTS)
    if ".@" in text:
        return EmailCheck(None, DOT_BEFORE_AT)
    if text.startswith("."):
        return EmailCheck(None, LEADING_DOT)
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return EmailCheck(None, MALFORMED)
    return EmailCheck(valid.normalized, None)
