"""Sync refusals: each a CentralError with the HTTP status the node acts on."""

from central.errors import CentralError


class SyncError(CentralError):
    """Base of every sync refusal."""


class BadRequest(SyncError):
    """A truncated, corrupted or malformed body: the node should rebuild and resend it."""

    status = 400


class NotAuthenticated(SyncError):
    """Unknown node, bad signature, stale timestamp or replayed nonce."""

    status = 401

    def __init__(self, why: str) -> None:
        super().__init__("sync_not_authenticated", f"端末の認証に失敗しました({why})。", f"Not authenticated: {why}.")


class NodeRevoked(SyncError):
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "node_revoked",
            "この端末は利用停止されています。管理者に連絡してください。",
            "This node has been revoked.",
        )


class NodeQuarantined(SyncError):
    """The node sent a sequence it had sent before with another body (clone or old backup)."""

    status = 423

    def __init__(self) -> None:
        super().__init__(
            "node_quarantined",
            "この端末は隔離されています(複製またはバックアップからの復元の疑い)。管理者が再登録するまで同期できません。",
            "This node is quarantined (clone or restored backup); an admin must re-enrol it.",
        )


class SequenceGap(SyncError):
    """The batch starts after the next sequence central expects: resend from `expected`."""

    status = 409

    def __init__(self, expected: int) -> None:
        super().__init__(
            "sequence_gap",
            f"送信された操作の番号が飛んでいます。{expected}番から送り直してください。",
            f"Sequence gap: resend from {expected}.",
            expected=expected,
        )


class EnrolmentRefused(SyncError):
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "enrolment_refused",
            "登録コードが正しくないか、有効期限が切れています。",
            "The enrolment code is wrong or has expired.",
        )
