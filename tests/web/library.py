"""A small library for the web tests: a few real Aozora titles, copies in every state, patrons
with and without the internet service, loans (renewable, overdue, held by someone else) and holds.

Built once per test session through the same services staff use, relative to the real clock
(the server under test runs on it too).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from central.models import Bib, Contributor, Location, LocationKind, Patron
from central.search import refresh_search_text
from central.services.accounts import apply_internet_service, change_password
from central.services.circulation import lend
from central.services.collection import NewCopy, add_copies, add_location
from central.services.context import ServiceContext, transaction
from central.services.holds import place_hold
from central.services.patrons import Registration, register_patron
from central.settings import Settings
from sync_protocol.timezone import utc_now

PASSWORD_A = "chura-2026"
PASSWORD_B = "tsubame-2026"
CARD_A, CARD_B, CARD_TEMP, CARD_NO_ACCOUNT = "10000001", "10000002", "10000003", "10000004"

# (key, title, reading, author, author reading, copies)
TITLES = [
    ("neko", "吾輩は猫である", "わがはいはねこである", "夏目 漱石", "なつめ そうせき", 2),
    ("botchan", "坊っちゃん", "ぼっちゃん", "夏目 漱石", "なつめ そうせき", 1),
    ("kokoro", "こころ", "こころ", "夏目 漱石", "なつめ そうせき", 1),
    ("ginga", "銀河鉄道の夜", "ぎんがてつどうのよる", "宮沢 賢治", "みやざわ けんじ", 1),
    ("chumon", "注文の多い料理店", "ちゅうもんのおおいりょうりてん", "宮沢 賢治", "みやざわ けんじ", 1),
    ("melos", "走れメロス", "はしれめろす", "太宰 治", "だざい おさむ", 1),
    ("rashomon", "羅生門", "らしょうもん", "芥川 竜之介", "あくたがわ りゅうのすけ", 1),
    ("kumo", "蜘蛛の糸", "くものいと", "芥川 竜之介", "あくたがわ りゅうのすけ", 1),
    ("sangetsu", "山月記", "さんげつき", "中島 敦", "なかじま あつし", 1),
    ("lemon", "檸檬", "れもん", "梶井 基次郎", "かじい もとじろう", 1),
] + [
    (f"fairy{n}", f"宮沢賢治童話集 第{n}巻", f"みやざわけんじどうわしゅう{n}", "宮沢 賢治", "みやざわ けんじ", 1)
    for n in range(1, 23)
]


@dataclass
class Facts:
    """Ids the tests refer to."""

    bibs: dict[str, int] = field(default_factory=dict)
    loans: dict[str, int] = field(default_factory=dict)
    holds: dict[str, int] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)
    temporary_password: str = ""


def _catalogue(session: Session, main: Location) -> dict[str, int]:
    bibs: dict[str, int] = {}
    for key, title, reading, author, author_reading, _ in TITLES:
        bib = Bib(title=title, title_reading=reading, credit="青空文庫", publisher="青空文庫")
        session.add(bib)
        session.flush()
        assert bib.id is not None
        session.add(Contributor(bib_id=bib.id, name=author, name_reading=author_reading, role="著者"))
        bibs[key] = bib.id
    refresh_search_text(session, list(bibs.values()))
    return bibs


def _patron(ctx: ServiceContext, card: str, name: str, email: str | None) -> Patron:
    form = Registration(card_number=card, name=name, name_reading="", birth_date=date(1985, 7, 7), email=email)
    return register_patron(ctx, form)


def _places(ctx: ServiceContext) -> dict[str, Location]:
    main = add_location(ctx, "MAIN", LocationKind.MAIN, "本館")
    van = add_location(ctx, "BM1", LocationKind.BOOKMOBILE, "移動図書館ちゅらゆめ号")
    stop = add_location(ctx, "BM1-S01", LocationKind.STOP, "大山公民館", parent=van)
    add_location(ctx, "BM1-S02", LocationKind.STOP, "嘉数小学校", parent=van)
    return {"main": main, "van": van, "stop": stop}


def build(session: Session, settings: Settings) -> Facts:
    """Fill a migrated, empty database; returns the ids the tests use."""
    now = utc_now()
    facts = Facts()
    setup = ServiceContext(session, settings.policy(), "system:test", None, now)
    with transaction(session):
        places = _places(setup)
        facts.places = {k: v.id for k, v in places.items()}  # type: ignore[misc]
        facts.bibs = _catalogue(session, places["main"])
    desk = ServiceContext(session, settings.policy(), "staff:1", facts.places["main"], now)
    barcodes = {key: [f"3{n:04d}{c}" for c in range(copies)] for n, (key, *_, copies) in enumerate(TITLES)}
    add_copies(desk, [NewCopy(b, facts.bibs[k], facts.places["main"]) for k, bs in barcodes.items() for b in bs])
    _people_and_circulation(session, settings, desk, facts, barcodes)
    return facts


def _people_and_circulation(
    session: Session, settings: Settings, desk: ServiceContext, facts: Facts, barcodes: dict[str, list[str]]
) -> None:
    a = _patron(desk, CARD_A, "山田 花子", "hanako@example.jp")
    b = _patron(desk, CARD_B, "比嘉 太郎", None)
    temp = _patron(desk, CARD_TEMP, "金城 さくら", "sakura@example.jp")
    c = _patron(desk, CARD_NO_ACCOUNT, "仲村 一郎", None)
    for patron, password in ((a, PASSWORD_A), (b, PASSWORD_B)):
        issued = apply_internet_service(desk, patron, "driving_licence")
        change_password(desk, patron, issued.temporary_password or "", password)
    facts.temporary_password = apply_internet_service(desk, temp, "health_insurance").temporary_password or ""

    def lend_ago(patron: Patron, key: str, days: int, copy: int = 0) -> int:
        when = ServiceContext(session, desk.policy, desk.actor, desk.location_id, desk.now - timedelta(days=days))
        loan = lend(when, patron, barcodes[key][copy])
        assert loan.id is not None
        return loan.id

    facts.loans = {
        "a_renewable": lend_ago(a, "ginga", 2),
        "a_overdue": lend_ago(a, "chumon", 30),
        "a_held": lend_ago(a, "melos", 3),
        "b_loan": lend_ago(b, "rashomon", 1),
    }
    for key, copy in (("neko", 0), ("neko", 1), ("kokoro", 0), ("kumo", 0), ("sangetsu", 0)):
        lend_ago(c, key, 1, copy)
    main = facts.places["main"]
    facts.holds = {
        "b_on_melos": _hold(place_hold(desk, b, facts.bibs["melos"], main, "phone").id),
        "b_on_kumo": _hold(place_hold(desk, b, facts.bibs["kumo"], main, "phone").id),
    }


def _hold(hold_id: int | None) -> int:
    assert hold_id is not None
    return hold_id
