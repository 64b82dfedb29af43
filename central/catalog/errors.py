"""The catalogue's exception root and its kinds: each has a stable code and says what to fix, in Japanese and English.

They are `CentralError`s, so each surface (the CLI's `main`, later an admin page) turns them into
its own output in its one place.
"""

from pathlib import Path

from central.errors import CentralError


class CatalogError(CentralError):
    """Base of every catalogue error: a catalogue file that cannot be imported."""

    status = 422


class CatalogFileNotFound(CatalogError):
    status = 404

    def __init__(self, path: Path) -> None:
        super().__init__(
            "catalog_file_not_found",
            f"カタログファイルが見つかりません: {path}",
            f"No such catalogue file: {path}",
            path=str(path),
        )


class CatalogFileUnreadable(CatalogError):
    """Not a UTF-8 CSV file, plain or gzip-compressed (or a truncated one)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            "catalog_file_unreadable",
            f"カタログファイルとして読めません。UTF-8のCSVファイル（.csvまたは.csv.gz）を指定してください: {path}",
            f"Cannot read {path} as a UTF-8 CSV file, plain or gzip-compressed: {reason}",
            path=str(path),
        )


class CatalogColumnsMissing(CatalogError):
    def __init__(self, path: Path, missing: list[str]) -> None:
        columns = ", ".join(missing)
        super().__init__(
            "catalog_columns_missing",
            f"カタログファイルに必要な列がありません: {columns}（{path}）",
            f"{path} lacks the columns: {columns}",
            path=str(path),
            missing=missing,
        )


class CatalogRowInvalid(CatalogError):
    def __init__(self, path: Path, line: int, problem_ja: str, problem_en: str) -> None:
        super().__init__(
            "catalog_row_invalid",
            f"カタログファイル {path} の{line}行目: {problem_ja}",
            f"{path}, line {line}: {problem_en}",
            path=str(path),
            line=line,
        )
