"""The staff CLI: thin commands, Japanese by default, one error path, never a traceback."""

from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from bookmobile.cli import app
from tests.bookmobile.builders import HANAKO, TARO, make_snapshot
from tests.bookmobile.test_faults import locked_by_another_process


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `bookmobile ARGS` against a node in tmp_path; initialise it with `cli.ready()`."""
    monkeypatch.setenv("BOOKMOBILE_DATA_DIR", str(tmp_path / "van"))
    monkeypatch.setenv("BOOKMOBILE_BUSY_TIMEOUT_MS", "200")
    monkeypatch.delenv("BOOKMOBILE_LANG", raising=False)
    runner = CliRunner()

    class Cli:
        def __call__(self, *args: str, input: str | None = None) -> Result:
            return runner.invoke(app, list(args), input=input)

        def ready(self) -> None:
            snapshot = tmp_path / "snapshot.json"
            snapshot.write_bytes(make_snapshot().to_json())
            for args in (["init", "van-1"], ["snapshot", "load", str(snapshot)], ["stop", "set", "S01"]):
                result = self(*args)
                assert result.exit_code == 0, result.output

    return Cli()


def all_commands() -> list[tuple[str, typer.core.TyperCommand | TyperGroup]]:
    found: list = []

    def walk(prefix: str, command: typer.core.TyperCommand | TyperGroup) -> None:
        found.append((prefix, command))
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(f"{prefix} {name}", sub)

    walk("bookmobile", typer.main.get_command(app))
    return found


def test_every_command_and_parameter_has_help_text() -> None:
    commands = all_commands()
    assert len(commands) > 15
    for name, command in commands:
        assert (command.help or "").strip(), f"{name} has no help text"
        for param in command.params:
            if param.name not in ("help",):
                assert (getattr(param, "help", None) or "").strip(), f"{name} {param.name} has no help text"


def test_lend_and_return_in_japanese(cli) -> None:
    cli.ready()
    lent = cli("lend", TARO, "B0001", "B0003")
    assert lent.exit_code == 0, lent.output
    assert "山田 太郎 さん" in lent.stdout and "貸出: B0001 吾輩は猫である" in lent.stdout
    assert "来館者優先" in lent.stdout  # R14
    assert "貸出票" in lent.stdout and "返却期限" in lent.stdout and "大山公民館" in lent.stdout
    returned = cli("return", "B0010")
    assert returned.exit_code == 0 and "取り置いてください" in returned.stdout


def test_english_with_bookmobile_lang_en(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ready()
    monkeypatch.setenv("BOOKMOBILE_LANG", "en")
    lent = cli("lend", TARO, "B0001")
    assert "Lent: B0001" in lent.stdout and "Loan receipt" in lent.stdout
    refused = cli("lend", "9999999999", "B0002")
    assert refused.exit_code == 1
    assert "Error [card_unknown]: No patron with card 9999999999" in refused.stderr


def test_full_width_digits_are_normalised(cli) -> None:
    cli.ready()
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    result = cli("lend", TARO.translate(full_width), "ｂ０００１")
    assert result.exit_code == 0, result.output
    assert "B0001" in result.stdout


def test_failure_exits_non_zero_with_a_message_and_no_traceback(cli) -> None:
    result = cli("status")
    assert result.exit_code == 1
    assert "bookmobile init" in result.stderr and "Traceback" not in result.output
    cli.ready()
    refused = cli("lend", TARO, HANAKO)
    assert refused.exit_code == 1
    assert "エラー [card_where_item_expected]" in refused.stderr and "Traceback" not in refused.output


def test_one_refused_item_does_not_undo_the_others(cli) -> None:
    cli.ready()
    result = cli("lend", TARO, "B0001", "??", "B0002")
    assert result.exit_code == 1
    assert "B0001" in result.stdout and "B0002" in result.stdout
    assert "barcode_malformed" in result.stderr and "1件は処理できませんでした" in result.stderr
    status = cli("status")
    assert "未送信の操作" in status.stdout and "│ 2" in status.stdout


def test_register_with_internet_prints_the_password_on_the_receipt_only(cli, tmp_path: Path) -> None:
    cli.ready()
    result = cli(
        "register",
        "--name", "比嘉 さくら",
        "--reading", "ひが さくら",
        "--birth-date", "１９８５年７月７日",
        "--address", "宜野湾市野嵩1-2-3",
        "--phone", "098-892-0000",
        "--internet",
        "--id-kind", "driving_licence",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "カード番号 2000000000" in result.stdout and "仮パスワード:" in result.stdout
    assert "翌日から" in result.stdout


def test_register_with_internet_needs_the_id_kind(cli) -> None:
    cli.ready()
    args = ["--name", "a", "--reading", "あ", "--birth-date", "1990-01-01", "--address", "x", "--phone", "0980000000"]
    result = cli("register", *args, "--internet")
    assert result.exit_code == 1 and "本人確認書類" in result.stderr


def test_internet_apply_reissue_and_email(cli) -> None:
    cli.ready()
    assert cli("internet", "apply", TARO, "--id-kind", "passport").exit_code == 0
    reissued = cli("internet", "reissue", HANAKO, "--id-kind", "health_insurance")
    assert reissued.exit_code == 0 and "仮パスワード" in reissued.stdout
    bad = cli("email", "set", TARO, "taro.@ezweb.ne.jp")
    assert bad.exit_code == 1 and "「@」の直前にピリオド" in bad.stderr
    assert cli("email", "set", TARO, "taro@example.jp").exit_code == 0
    assert cli("email", "remove", TARO).exit_code == 0


def test_status_reports_the_node(cli) -> None:
    cli.ready()
    cli("lend", TARO, "B0001")
    result = cli("status")
    assert result.exit_code == 0, result.output
    for label in ("未送信の操作", "最後の同期", "スナップショット", "大山公民館", "時計のずれ", "発行可能なカード番号"):
        assert label in result.stdout, label
    assert "まだありません" in result.stdout and "未測定" in result.stdout


def test_holds_and_stops(cli) -> None:
    cli.ready()
    assert "B0008" in cli("holds").stdout and "B0009" not in cli("holds").stdout
    assert "B0009" in cli("holds", "--all").stdout
    assert cli("hand-over", HANAKO, "B0008").exit_code == 0
    assert "受け渡し済" in cli("holds").stdout
    stops = cli("stop", "list").stdout
    assert "* S01" in stops and "  S02" in stops
    unknown = cli("stop", "set", "S99")
    assert unknown.exit_code == 1 and "S99" in unknown.stderr


def test_stop_set_echoes_the_code_as_stored_not_as_typed(cli) -> None:
    cli.ready()
    result = cli("stop", "set", "\u3000Ｓ０２\u3000")  # full-width, between ideographic spaces
    assert result.exit_code == 0, result.output
    assert "現在の停車場所: 真志喜児童センター (S02)" in result.stdout
    assert "Ｓ０２" not in result.stdout
    assert "* S02" in cli("stop", "list").stdout


def test_init_folds_a_full_width_node_id_as_central_does_and_echoes_it_as_stored(cli) -> None:
    result = cli("init", "\u3000ｖａｎ－１ ")
    assert result.exit_code == 0, result.output
    assert "車両 van-1 として初期化しました" in result.stdout
    assert "van-1 / 1" in cli("status").stdout


def test_init_refuses_a_blank_node_id_with_a_message_and_creates_nothing(cli) -> None:
    result = cli("init", "\u3000 ")
    assert result.exit_code == 1 and "端末IDを正しく入力してください。" in result.stderr
    assert cli("init", "van-1").exit_code == 0  # nothing was half-created


def test_renew_from_the_cli(cli) -> None:
    cli.ready()
    cli("lend", TARO, "B0001")
    result = cli("renew", "B0001", "--card", TARO)
    assert result.exit_code == 0, result.output
    assert "延長票" in result.stdout
    again = cli("renew", "B0001")
    assert again.exit_code == 1 and "延長済み" in again.stderr


def test_receipts_go_to_the_printer_too(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cli.ready()
    printer = tmp_path / "printer.txt"
    monkeypatch.setenv("BOOKMOBILE_RECEIPT_PRINTER", str(printer))
    cli("lend", TARO, "B0001")
    assert "貸出票" in printer.read_text(encoding="utf-8")


def test_invalid_settings_are_reported_without_a_traceback(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKMOBILE_LANG", "fr")
    result = cli("status")
    assert result.exit_code == 1 and "settings_invalid" in result.stderr and "Traceback" not in result.output


def test_an_unexpected_failure_is_logged_not_shown(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cli.ready()

    def broken(*args: object) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr("bookmobile.cli.desk_commands.take_back", broken)
    result = cli("return", "B0005")
    assert result.exit_code == 2
    assert "予期しないエラー" in result.stderr and "Traceback" not in result.output
    assert "injected fault" in (tmp_path / "van" / "error.log").read_text()


def test_locked_database_message_from_the_cli(cli, tmp_path: Path) -> None:
    cli.ready()
    with locked_by_another_process(tmp_path / "van" / "bookmobile.db"):
        result = cli("lend", TARO, "B0001")
    assert result.exit_code == 1 and "database_locked" in result.stderr and "使用中" in result.stderr


def test_usage_errors_are_left_to_typer(cli) -> None:
    result = cli("lend")
    assert result.exit_code == 2 and "Traceback" not in result.output
