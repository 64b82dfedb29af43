"""The simulation's short mode (run by scripts/test): three seeds, a few hundred steps each, every
invariant checked after every step, with the faults' weights raised so each kind of fault is met.

The long mode is `scripts/soak` (docs/reliability.md).
"""

from collections import Counter
from pathlib import Path

import pytest

from tests.simulation import soak
from tests.simulation.driver import Outcome, run_simulation
from tests.simulation.faults import RESTORE_STOPPED
from tests.simulation.invariants import (
    ACCOUNTED,
    BODIES_FORGOTTEN,
    CONFLICTS_FORGOTTEN,
    FORGOTTEN,
    HOLDS_FORGOTTEN,
    MAIL_FILES_FORGOTTEN,
    SENT_ONCE,
    VIEWS,
)
from tests.simulation.syncing import ADAPTER_FAULTS, SIMULATION_FAULTS

SEEDS = (1, 2, 3)
STEPS = 300
STEPS_PER_DAY = 30
EVERY_FAULT = {*ADAPTER_FAULTS, *SIMULATION_FAULTS, "van clock hours off", "van restored from an old backup"}


def test_a_simulated_month_keeps_every_invariant_under_faults(tmp_path: Path) -> None:
    faults: Counter[str] = Counter()
    checks: Counter[str] = Counter()
    for seed in SEEDS:
        outcome = run_simulation(seed, STEPS, tmp_path / str(seed), steps_per_day=STEPS_PER_DAY, fault_boost=4)
        assert outcome.violations == [], f"repeat with: scripts/soak --seed {seed} --steps {outcome.steps_run}"
        assert outcome.steps_run == STEPS and outcome.operations["applied"] > 0
        faults.update(outcome.stats.faults)
        checks.update(outcome.stats.checks)
    assert set(faults) >= EVERY_FAULT, f"faults never injected: {EVERY_FAULT - set(faults)}"
    assert faults["SMTP down for a night"] > 0
    for invariant in (
        ACCOUNTED,
        FORGOTTEN,
        HOLDS_FORGOTTEN,
        BODIES_FORGOTTEN,
        CONFLICTS_FORGOTTEN,
        MAIL_FILES_FORGOTTEN,
        SENT_ONCE,
        VIEWS,
        RESTORE_STOPPED,
    ):
        assert checks[invariant] > 0, f"never checked: {invariant}"


def test_soak_exits_1_and_prints_the_command_that_repeats_a_broken_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The invariant breaks at step 40 of seed 9 (injected): the soak stops there, with the command."""

    def broken_from_step_40(seed: int, steps: int, **_: object) -> Outcome:
        outcome = Outcome(seed, steps, steps_run=min(steps, 40))
        outcome.violations = [f"step 40: {ACCOUNTED}: injected"] if steps >= 40 else []
        return outcome

    monkeypatch.setattr(soak, "run_simulation", broken_from_step_40)
    assert soak.main(["--seed", "9", "--steps", "500", "--shrink"]) == 1
    printed = capsys.readouterr().out
    assert "seed 9" in printed and "injected" in printed
    assert "scripts/soak --seed 9 --steps 40" in printed
