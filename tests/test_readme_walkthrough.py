"""The README's "A day on the van", run as written: its shell block is read from README.md and every
command in it runs as a subprocess, in a scratch folder standing for the project root, against
`central serve` on a fresh SQLite database with the demo library (what `scripts/run` starts).

What a newcomer cannot copy literally is substituted: the server's port for 127.0.0.1:8000, the
enrolment code `central node add` printed for the README's, and the card number `bookmobile
register` printed for the README's. Central is stopped for step 3 and started again for step 4, as
the README says; step 6 (a browser sign-in) is checked over HTTP today (R5) and, through the app
with its clock a day ahead, tomorrow (R6).
"""

import os
import re
import secrets
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from central.settings import Settings
from central.web.app import create_app
from sync_protocol.timezone import tokyo_date, utc_now
from tests.concurrency.network import server_process
from tests.sync.harness import free_port
from tests.web.helpers import csrf_token, sign_in

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## A day on the van"
# What the README shows but a real run prints differently, replaced before a command runs.
README_ADDRESS = "127.0.0.1:8000"
README_CODE = "UPH4-8RFM-SQQF"
README_CARD = "80000000"

_ENROLMENT_CODE = re.compile(r"enrolment code \(shown once\): ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})")
_CARD = re.compile(r"カード番号 (\d+)")
_PASSWORD = re.compile(r"仮パスワード: (\S+)")
_PENDING = re.compile(r"未送信の操作\s*│\s*(\d+)")
_STEP = re.compile(r"#\s*(\d+)\.\s")


def walkthrough_steps(readme: str) -> dict[int, list[str]]:
    """The commands of the section's shell block by step number ("# 1. ..." comments start a step):
    `\\` continuations joined, comment lines skipped, inline comments left for shlex to drop."""
    assert f"\n{SECTION}\n" in readme, f"README.md has no section {SECTION!r}"
    section = readme.split(f"\n{SECTION}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, f"no ```sh block in {SECTION!r}"
    steps: dict[int, list[str]] = {}
    step, pending = 0, ""
    for raw in block.group(1).splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            heading = _STEP.match(line)
            if heading:
                step = int(heading.group(1))
                steps[step] = []
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        assert step, f"a command before the first numbered step: {line!r}"
        steps[step].append(pending + line)
        pending = ""
    assert not pending, f"the block ends inside a continued command: {pending!r}"
    return steps


@dataclass
class Ran:
    step: int
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def words(self) -> tuple[str, ...]:
        """The program's name without its folder, then the arguments: ("bookmobile", "sync")."""
        return (Path(self.args[0]).name, *self.args[1:])

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Newcomer:
    """Types the README's commands in `root` (the project root of a fresh checkout, `.venv` included)."""

    root: Path
    env: dict[str, str]
    substitutions: dict[str, str] = field(default_factory=dict)
    password: str = ""
    ran: list[Ran] = field(default_factory=list)

    def run(self, step: int, command: str, timeout: float = 120) -> Ran | None:
        args = [self.substitute(arg) for arg in shlex.split(command, comments=True)]
        if args[0] == "export":
            for assignment in args[1:]:
                name, equals, value = assignment.partition("=")
                assert equals, f"export without a value: {command!r}"
                self.env[name] = value
            return None
        assert args[0].startswith(".venv/bin/"), f"not one of the project's commands: {command!r}"
        done = subprocess.run(
            args, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        ran = Ran(step, args, done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in ran.output, f"{command}\n{ran.output}"
        self.ran.append(ran)
        return ran

    def substitute(self, arg: str) -> str:
        if arg in self.substitutions:
            return self.substitutions[arg]
        return arg.replace(README_ADDRESS, self.substitutions.get(README_ADDRESS, README_ADDRESS))

    def one(self, step: int, *words: str) -> Ran:
        """The only command of `step` that starts with `words` (program name, then arguments)."""
        found = [ran for ran in self.ran if ran.step == step and ran.words[: len(words)] == words]
        assert len(found) == 1, f"step {step}: expected one `{' '.join(words)}`, ran {[r.words for r in self.ran]}"
        return found[0]


def expected_exit(step: int, ran: Ran) -> int:
    """Every command succeeds, except the sync the README says is refused because central is down:
    the CLI reports a BookmobileError with exit status 1 (2 would be an unexpected failure)."""
    return 1 if step == 3 and ran.words == ("bookmobile", "sync") else 0


@contextmanager
def central_serving(newcomer: Newcomer, port: int, log: Path) -> Iterator[str]:
    """`.venv/bin/central serve --port PORT` in the project root until the block ends, then Ctrl-C."""
    command = [".venv/bin/central", "serve", "--port", str(port)]
    with server_process(command, port, log, cwd=newcomer.root, env=newcomer.env) as server:
        yield f"http://127.0.0.1:{port}"
    assert server.returncode == 0, log.read_text(errors="replace")
    assert "Traceback" not in log.read_text(errors="replace")


@pytest.fixture
def newcomer(tmp_path: Path) -> Newcomer:
    """A project root with the test run's virtualenv as `.venv`, and no CENTRAL_*/BOOKMOBILE_* settings
    but the ones `scripts/run` makes (the web secret in var/secret_key): the defaults apply."""
    venv = Path(sys.prefix)
    if not (venv / "bin" / "central").exists() or not (venv / "bin" / "bookmobile").exists():
        pytest.skip(f"{venv} has no central/bookmobile scripts (install the project: scripts/test)")
    root = tmp_path / "project"
    (root / "var").mkdir(parents=True)
    (root / ".venv").symlink_to(venv, target_is_directory=True)
    secret = root / "var" / "secret_key"
    secret.write_text(secrets.token_urlsafe(48) + "\n")
    secret.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CENTRAL_", "BOOKMOBILE_"))}
    # Plain output at a width that keeps every line whole; and the offline sync's retries paused
    # briefly instead of a second and more each (the refusal is the same, only sooner).
    env |= {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "120", "BOOKMOBILE_SYNC_BACKOFF_S": "0.01"}
    return Newcomer(root, env)


def test_a_day_on_the_van_works_as_the_readme_writes_it(newcomer: Newcomer) -> None:
    steps = walkthrough_steps(README.read_text(encoding="utf-8"))
    assert list(steps) == [1, 2, 3, 4, 5, 6], "the test knows when central is up: update it with the steps"
    assert steps[6] == [], "step 6 is done in a browser"
    commands = " ".join(" ".join(step) for step in steps.values())
    for placeholder in (README_ADDRESS, README_CODE, README_CARD):
        assert placeholder in commands, f"{placeholder} is no longer in the walkthrough: update the test"

    def run_step(step: int) -> None:
        for command in steps[step]:
            done = newcomer.run(step, command)
            if done is None:
                continue
            assert done.returncode == expected_exit(step, done), f"{command}\n{done.output}"
            if done.words[:3] == ("central", "node", "add"):
                code = _ENROLMENT_CODE.search(done.stdout)
                assert code, done.output
                newcomer.substitutions[README_CODE] = code.group(1)
            if done.words[:2] == ("bookmobile", "register"):
                card, password = _CARD.search(done.stdout), _PASSWORD.search(done.stdout)
                assert card and password, done.output
                newcomer.substitutions[README_CARD] = card.group(1)
                newcomer.password = password.group(1)

    # What scripts/run does before serving: migrate, load the demo (a fresh database).
    for command in (".venv/bin/central db upgrade", ".venv/bin/central demo load --if-empty"):
        setup = newcomer.run(0, command, timeout=300)
        assert setup is not None and setup.returncode == 0, setup and setup.output
    port = free_port()
    newcomer.substitutions[README_ADDRESS] = f"127.0.0.1:{port}"
    var = newcomer.root / "var"

    # 1-2: central up; the node is registered, enrolled, bootstrapped and at its stop.
    with central_serving(newcomer, port, var / "central-1.log"):
        run_step(1)
        run_step(2)
    assert "受信" in newcomer.one(2, "bookmobile", "sync").stdout
    assert "BM1-S01" in newcomer.one(2, "bookmobile", "stop", "set").stdout

    # 3: central stopped; the van registers and lends, the sync is refused politely, nothing is lost.
    run_step(3)
    card = newcomer.substitutions[README_CARD]
    password = newcomer.password
    lent = newcomer.one(3, "bookmobile", "lend")
    assert lent.args[2] == card and "3500000001" in lent.stdout and "3500000002" in lent.stdout
    refused = newcomer.one(3, "bookmobile", "sync")
    assert "central_unreachable" in refused.stderr, refused.output
    pending = _PENDING.search(newcomer.one(3, "bookmobile", "status").stdout)
    assert pending and pending.group(1) == "4", newcomer.one(3, "bookmobile", "status").stdout

    # 4-6: central again: the four operations are applied once; the nightly job; the sign-in today.
    with central_serving(newcomer, port, var / "central-2.log") as url:
        before: date = tokyo_date(utc_now())
        run_step(4)
        taken_in = {before, tokyo_date(utc_now())}  # central's day when it took the application in
        synced = newcomer.one(4, "bookmobile", "sync").stdout
        assert "送信 4件" in synced and "applied 4" in synced, synced
        run_step(5)
        assert "completed" in newcomer.one(5, "central", "nightly").stdout
        assert list((var / "outbox-mail").glob("*.eml")), "no notice in var/outbox-mail"

        with httpx.Client(base_url=url) as browser:
            form = {"card_number": card, "password": password, "csrf_token": csrf_token(browser)}  # type: ignore[arg-type]
            answer = browser.post("/login", data=form, follow_redirects=False)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), answer.text
            page = browser.get(answer.headers["location"])
        tomorrows = [day + timedelta(days=1) for day in taken_in]
        works_from = [f"このパスワードは{day:%Y年%m月%d日}からご利用いただけます。" for day in tomorrows]
        assert any(message in page.text for message in works_from), page.text  # R5: from the next day

    # 6, tomorrow: `central serve` has no clock setting, so the app itself runs a day ahead.
    settings = Settings(database_url=f"sqlite:///{var / 'central.db'}", data_dir=var)
    with TestClient(create_app(settings, clock=lambda: utc_now() + timedelta(days=1))) as client:
        sign_in(client, card, password)
        account = client.get("/account").text
    assert "data-r6-banner" in account and "現在、仮パスワードをお使いです" in account  # R6
    assert "3500000001" in account and "3500000002" in account  # the van's loans, applied at central
    assert not (var / "van" / "error.log").exists(), "a command failed unexpectedly"
