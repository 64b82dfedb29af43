from collections.abc import Iterator
from pathlib import Path

import pytest

from bookmobile.node import Node
from tests.bookmobile.builders import FixedClock, ready_node


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def node(tmp_path: Path, clock: FixedClock) -> Iterator[Node]:
    with ready_node(tmp_path / "van", clock) as opened:
        yield opened
