"""Japanese labels the staff pages and the terminal share, and staff names for audit actors."""

from sqlmodel import col, select

from central.models import StaffUser
from central.services.context import ServiceContext
from central.sync.resolution import Action

KIND_LABELS = {
    "stale_loan_closed": "返却漏れの貸出を自動返却",
    "held_copy_lent_offline": "予約確保中の資料を移動図書館で貸出",
    "blocked_patron": "貸出停止中の利用者への貸出・延長",
    "renewal_despite_hold": "予約のある資料の延長",
    "renewed_twice": "二重の延長",
    "return_without_loan": "貸出記録のない返却",
    "return_predates_loan": "新しい貸出より前の返却",
    "lent_missing_item": "不明・除籍資料の貸出",
    "duplicate_person": "同一人物の重複登録",
    "card_number_taken": "利用者番号の重複",
    "unknown_card": "不明な利用者番号",
    "unknown_barcode": "不明な資料バーコード",
    "renewal_of_unknown_loan": "本館にない貸出の延長",
    "account_exists": "登録済みのインターネットサービス申込み",
    "password_changed_online": "再発行後のウェブでのパスワード変更",
    "password_set_later": "移動図書館の発行より後に設定されたパスワード",
    "email_changed_both": "メールアドレスの同時変更",
    "clock_skew": "端末の時計のずれ",
    "restored_node": "復元・複製された端末",
    "hand_over_of_closed_hold": "終了した予約の受け渡し",
    "load_without_hold": "待つ予約のない資料の積み込み",
}
STATUS_LABELS = {"open": "要判断", "auto": "自動処理済み", "resolved": "解決済み", "voided": "無効"}
STATUS_FILTER_LABELS = {
    "open": "要判断",
    "auto": "自動処理済み",
    "unresolved": "未完了(要判断+自動処理済み)",
    "resolved": "解決済み",
    "voided": "無効",
    "all": "すべて",
}
ACTION_LABELS = {
    Action.KEEP: "既定の処理のまま完了する",
    Action.TAKE_VAN: "移動図書館の値を採用する",
    Action.MERGE: "利用者の記録を統合する",
    Action.LINK: "資料・利用者を紐付けて適用する",
    Action.RETRY: "そのまま適用する",
    Action.VOID: "操作を無効にする",
    Action.REENROL: "端末を再登録する(登録コード発行)",
}
# Where "keep the default" means something more particular for the kind.
KEEP_LABELS = {
    "duplicate_person": "別人として両方の登録を残す",
    "blocked_patron": "確認済みとして完了する",
}


def action_label(kind: str, action: Action) -> str:
    if action is Action.KEEP and kind in KEEP_LABELS:
        return KEEP_LABELS[kind]
    return ACTION_LABELS[action]


NODE_STATUS_LABELS = {"pending": "登録待ち", "active": "稼働中", "revoked": "利用停止", "quarantined": "隔離中"}
ID_DOCUMENT_LABELS = {
    "driving_licence": "運転免許証",
    "health_insurance": "健康保険証",
    "my_number_card": "マイナンバーカード",
    "passport": "パスポート",
    "student_id": "学生証",
    "residence_card": "在留カード",
    "other": "その他",
}
PATRON_STATUS_LABELS = {"active": "有効", "merged": "統合済み", "withdrawn": "利用終了"}


def actor_names(ctx: ServiceContext, actors: list[str]) -> dict[str, str]:
    """ "staff:3" -> "比嘉 (staff:3)" for the actors that are staff accounts; others stay as they are."""
    ids = [int(a.split(":", 1)[1]) for a in actors if a.startswith("staff:") and a.split(":", 1)[1].isdigit()]
    if not ids:
        return {}
    users = ctx.session.exec(select(StaffUser).where(col(StaffUser.id).in_(ids))).all()
    return {f"staff:{u.id}": f"{u.display_name} (staff:{u.id})" for u in users}


OPERATION_LABELS = {
    "register_patron": "利用者登録",
    "apply_internet_service": "インターネットサービス申込み",
    "reissue_password": "パスワード再発行",
    "change_email": "メールアドレス変更",
    "lend": "貸出",
    "return": "返却",
    "renew": "延長",
    "hand_over_hold": "予約資料の受け渡し",
    "load_hold_copy": "予約資料の積み込み",
}
OUTCOME_LABELS = {"applied": "適用済み", "duplicate": "重複(適用済み)", "conflict": "保留中", "rejected": "無効"}
FACT_LABELS = {
    "card_number": "利用者番号",
    "barcode": "資料バーコード",
    "due_date": "返却期限",
    "new_due": "新しい返却期限",
    "previous_due": "以前の返却期限",
    "name": "氏名",
    "name_reading": "よみ",
    "birth_date": "生年月日",
    "address": "住所",
    "phone": "電話",
    "email": "メールアドレス",
    "id_document_kind": "本人確認書類",
    "password_hash": "パスワード(ハッシュ)",
    "hold_id": "予約番号",
    "bypassed_hold_id": "来館者優先で後回しにした予約",
    "hold_waiting": "予約待ちとして返却",
    "patron_id": "利用者ID",
    "loan_id": "貸出ID",
    "loan_patron_id": "貸出中の利用者ID",
    "out_at": "貸出日時",
    "status": "状態",
    "blocks": "貸出停止",
    "candidates": "同一人物の候補",
    "error": "エラー",
    "changed_at": "変更日時",
    "password_changed_at": "パスワード変更日時",
    "password_set_at": "本館のパスワードの設定日時",
    "password_set_by": "有効なパスワード",
    "holds_waiting": "予約待ちの件数",
    "due_date_before": "延長前の返却期限",
    "renewal_count": "延長回数",
    "hold_status": "予約の状態",
    "hold_patron_id": "予約者ID",
    "location_id": "所在",
    "wall_time": "端末の時刻",
    "effective_at": "適用時刻",
    "seq": "番号",
    "sha256": "ハッシュ",
    "body": "内容",
    "operations": "届いた操作",
    "linked": "紐付け",
    "decided_in_conflict": "判断した競合",
}
