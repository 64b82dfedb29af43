"""What can stop a sync, in the words staff read (all BookmobileErrors, shown by the CLI's one handler)."""

from bookmobile.errors import BookmobileError


class SyncFailed(BookmobileError):
    """Base of sync failures."""


class NotEnrolled(SyncFailed):
    code = "not_enrolled"
    ja = "この端末は本館に登録されていません。管理者から登録コードを受け取り、bookmobile enrol を実行してください。"
    en = "This node is not enrolled; get an enrolment code and run `bookmobile enrol`."


class CentralUnreachable(SyncFailed):
    code = "central_unreachable"
    ja = "本館に接続できません({problem})。記録は端末に安全に保存されています。後でもう一度同期してください。"
    en = "Central cannot be reached ({problem}). Everything is kept on the node; sync again later."


class CentralRefused(SyncFailed):
    """Central answered with an error; `reason` is central's own (Japanese or English) message."""

    code = "central_refused"
    ja = "本館が同期を受け付けませんでした:{reason}"
    en = "Central refused the sync: {reason}"


class RestoredFromBackup(SyncFailed):
    code = "restored_from_backup"
    ja = (
        "本館はこの端末の操作を {central} 番まで受け取っていますが、この端末には {local} 番までしかありません。"
        "バックアップから復元された可能性があります。同期を止めました。管理者に連絡してください。"
    )
    en = (
        "Central holds this node's operations up to {central} but the node only has {local}: it may have been "
        "restored from a backup. Sync stopped; call an admin."
    )


class EpochMismatch(SyncFailed):
    code = "epoch_mismatch"
    ja = "端末の登録世代({local})が本館({central})と一致しません。管理者に連絡してください。"
    en = "The node's epoch {local} does not match central's {central}; call an admin."


class DivergedFromCentral(SyncFailed):
    code = "diverged_from_central"
    ja = (
        "本館が受け取った {seq} 番の操作と、この端末の {seq} 番の記録が一致しません。"
        "バックアップから復元された可能性があります。同期を止めました。管理者に連絡してください。"
    )
    en = (
        "Central's operation {seq} differs from this node's: it may have been restored from a backup. "
        "Sync stopped; call an admin."
    )
