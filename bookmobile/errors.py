"""The one exception root of the van's node, and every "no" staff can meet.

Each error has a stable `code` (for tests, logs and support) and a message in Japanese and
English built from its details. The CLI turns them into output in one place
(`bookmobile.cli.output.render_error`); nothing else prints errors.
"""

from typing import Any, ClassVar

from sync_protocol.refusal import Refusal


class BookmobileError(Exception):
    """Root of every error the node reports to staff."""

    code: ClassVar[str] = "error"
    ja: ClassVar[str] = "エラーが発生しました。"
    en: ClassVar[str] = "An error occurred."

    def __init__(self, **details: Any) -> None:
        self.details = details
        super().__init__(self.message("en"))

    def message(self, lang: str = "ja") -> str:
        """The wording for staff in `lang` ("en", otherwise Japanese), with the details filled in."""
        return (self.en if lang == "en" else self.ja).format(**self.details)


class RuleRefused(BookmobileError):
    """A shared circulation rule (sync_protocol) said no: R1, R9, R12 ..."""

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal
        super().__init__()

    @property
    def code(self) -> str:  # type: ignore[override]
        return self.refusal.code

    def message(self, lang: str = "ja") -> str:
        return self.refusal.message(lang)


# --- what was scanned or typed -------------------------------------------------------------


class InputError(BookmobileError):
    """The input itself is wrong; nothing was looked up or written."""


class MalformedCard(InputError):
    code = "card_malformed"
    ja = "「{raw}」は利用者カード番号の形式ではありません(半角数字6〜14桁)。"
    en = "'{raw}' is not a library card number (6-14 digits)."


class MalformedBarcode(InputError):
    code = "barcode_malformed"
    ja = "「{raw}」は資料のバーコードの形式ではありません。もう一度読み取ってください。"
    en = "'{raw}' is not an item barcode. Please scan it again."


class CardWhereItemExpected(InputError):
    code = "card_where_item_expected"
    ja = "{card} は利用者カードです。資料のバーコードを読み取ってください。"
    en = "{card} is a library card. Please scan the item's barcode."


class ItemWhereCardExpected(InputError):
    code = "item_where_card_expected"
    ja = "{barcode} は資料のバーコードです。先に利用者カードを読み取ってください。"
    en = "{barcode} is an item barcode. Please scan the library card first."


class InvalidField(InputError):
    code = "invalid_field"
    ja = "{field_ja}を正しく入力してください。"
    en = "Please enter a valid {field_en}."


# --- what the snapshot says ----------------------------------------------------------------


class UnknownCard(BookmobileError):
    code = "card_unknown"
    ja = "カード番号 {card} の利用者は見つかりません(車両の利用者名簿にありません)。"
    en = "No patron with card {card} in the van's roster."


class UnknownItem(BookmobileError):
    code = "item_unknown"
    ja = "バーコード {barcode} の資料はこの車両の資料一覧にありません。"
    en = "Item {barcode} is not in this van's item list."


class PatronBlocked(BookmobileError):
    code = "patron_blocked"
    ja = "{name} さん(カード {card})は現在貸出停止中です。カウンターで本館へのご連絡をご案内ください。"
    en = "{name} (card {card}) is blocked from borrowing."


class OverLimit(BookmobileError):
    code = "loan_limit_reached"
    ja = "{name} さんは貸出上限({limit}冊)に達しています。"
    en = "{name} has reached the loan limit ({limit} items)."


class ItemOnLoan(BookmobileError):
    code = "item_on_loan"
    ja = "{barcode} は貸出中の記録があります。先に返却処理をしてから貸し出してください。"
    en = "{barcode} is recorded as on loan. Check it in first, then lend it."


class AlreadyLentToPatron(BookmobileError):
    code = "item_already_lent_to_patron"
    ja = "{barcode} はすでにこの利用者に貸出中です(返却期限 {due})。延長する場合は renew を使ってください。"
    en = "{barcode} is already on loan to this patron (due {due}). Use renew to extend it."


class HoldShelfForOther(BookmobileError):
    code = "item_on_hold_shelf_for_other"
    ja = "{barcode} は他の利用者の予約資料(取り置き中)のため貸し出せません。"
    en = "{barcode} is on the hold shelf for another patron and cannot be lent."


class ItemSetAside(BookmobileError):
    code = "item_set_aside_for_hold"
    ja = "{barcode} は予約のため取り置き中です。本館に戻してください。"
    en = "{barcode} is set aside for a hold; take it back to the main library."


class ItemNotLendable(BookmobileError):
    code = "item_not_lendable"
    ja = "{barcode} は貸出できない状態です({status})。"
    en = "{barcode} cannot be lent (status: {status})."


class NotOnLoan(BookmobileError):
    code = "item_not_on_loan"
    ja = "{barcode} は貸出中ではありません。"
    en = "{barcode} is not on loan."


class NotBorrower(BookmobileError):
    code = "not_the_borrower"
    ja = "{barcode} はこの利用者への貸出ではありません。"
    en = "{barcode} is not on loan to this patron."


class HoldNotFound(BookmobileError):
    code = "hold_not_found"
    ja = "{barcode} をお渡しする予約はありません(すでに受け渡し済みか、この車両宛てではありません)。"
    en = "No hold to hand over with {barcode} (already handed over, or not sent to this van)."


class HoldForOther(BookmobileError):
    code = "hold_for_other_patron"
    ja = "{barcode} は別の利用者の予約資料です。"
    en = "{barcode} is held for another patron."


class HoldAtOtherStop(BookmobileError):
    code = "hold_at_other_stop"
    ja = "この予約の受取場所は「{stop}」です。現在の停車場所ではお渡しできません。"
    en = "This hold is to be picked up at '{stop}', not at the current stop."


class NothingToLoad(BookmobileError):
    code = "nothing_to_load"
    ja = "{barcode} を積み込む予約はありません(この車両の停車場所で受け取る予約の資料ではありません)。"
    en = "No hold at this van's stops waits for {barcode} to be loaded."


class AlreadyLoaded(BookmobileError):
    code = "already_loaded"
    ja = "{barcode} はすでに車両に積み込まれています(受取場所: {stop})。"
    en = "{barcode} is already on the van (to be picked up at {stop})."


class AlreadyHasInternetAccount(BookmobileError):
    code = "internet_account_exists"
    ja = "{name} さんはすでにインターネットサービスに登録済みです。パスワードを忘れた場合は再発行してください。"
    en = "{name} already has an internet account. Re-issue the password if it was forgotten."


class NoInternetAccount(BookmobileError):
    code = "internet_account_missing"
    ja = "{name} さんはインターネットサービスに登録されていません。先に申込みをしてください。"
    en = "{name} has no internet account yet. Apply for the service first."


class CardBlockExhausted(BookmobileError):
    code = "card_block_exhausted"
    ja = "この車両で発行できるカード番号がありません。本館で新しい番号の割当てを受けてください。"
    en = "This van has no card numbers left to issue. Get a new block from the main library."


# --- the node itself -----------------------------------------------------------------------


class NotInitialised(BookmobileError):
    code = "node_not_initialised"
    ja = "この端末はまだ初期化されていません。先に「bookmobile init 車両ID」を実行してください。({path})"
    en = "This node is not initialised. Run 'bookmobile init NODE_ID' first. ({path})"


class AlreadyInitialised(BookmobileError):
    code = "node_already_initialised"
    ja = "この端末はすでに車両 {node_id} として初期化されています。"
    en = "This node is already initialised as {node_id}."


class NoSnapshot(BookmobileError):
    code = "snapshot_missing"
    ja = (
        "本館からのデータ(スナップショット)が読み込まれていません。"
        "「bookmobile snapshot load ファイル」を実行してください。"
    )
    en = "No snapshot from central is loaded. Run 'bookmobile snapshot load FILE'."


class SnapshotInvalid(BookmobileError):
    code = "snapshot_invalid"
    ja = "スナップショットを読み込めません: {problem}"
    en = "The snapshot cannot be loaded: {problem}"


class SnapshotForOtherNode(BookmobileError):
    code = "snapshot_for_other_node"
    ja = "このスナップショットは車両 {theirs} 用です(この端末は {ours})。"
    en = "This snapshot is for node {theirs}; this node is {ours}."


class NoStop(BookmobileError):
    code = "stop_not_set"
    ja = "現在の停車場所が設定されていません。「bookmobile stop set 停車場所コード」を実行してください。"
    en = "The current stop is not set. Run 'bookmobile stop set CODE'."


class UnknownStop(BookmobileError):
    code = "stop_unknown"
    ja = "停車場所コード「{code}」はこの車両の停車場所にありません。"
    en = "'{code}' is not one of this van's stops."


# --- the local store -----------------------------------------------------------------------


class StorageError(BookmobileError):
    """The local database refused; the action was rolled back and nothing of it remains."""


class StorageFull(StorageError):
    code = "storage_full"
    ja = "ディスクの空き容量が不足しているため記録できませんでした。この操作は行われていません。"
    en = "The disk is full; the action was not recorded."


class StorageReadOnly(StorageError):
    code = "storage_read_only"
    ja = "データベースが読み取り専用のため記録できませんでした。この操作は行われていません。"
    en = "The database is read-only; the action was not recorded."


class DatabaseLocked(StorageError):
    code = "database_locked"
    ja = "別の bookmobile の処理がデータベースを使用中です。終わるのを待ってからもう一度実行してください。"
    en = "Another bookmobile process is using the database. Wait for it to finish and try again."


class StorageFailed(StorageError):
    code = "storage_failed"
    ja = "データベースの操作に失敗しました({detail})。この操作は行われていません。"
    en = "The database operation failed ({detail}); the action was not recorded."


class SchemaTooNew(StorageError):
    code = "schema_too_new"
    ja = "データベースの版({found})がこのプログラム(対応版 {supported})より新しいため開けません。"
    en = "The database schema ({found}) is newer than this program supports ({supported})."


class InvalidSettings(BookmobileError):
    code = "settings_invalid"
    ja = "設定(BOOKMOBILE_ で始まる環境変数)が正しくありません: {problem}"
    en = "The settings (BOOKMOBILE_* variables) are invalid: {problem}"


class SomeItemsFailed(BookmobileError):
    code = "some_items_failed"
    ja = "{failed}件は処理できませんでした(上の表示を確認してください)。"
    en = "{failed} item(s) could not be processed (see above)."
