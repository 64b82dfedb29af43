"""The figure every benchmark prints, and small helpers for measuring."""

import json
import statistics
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure; `goal` states the target, e.g. "<= 10"."""

    name: str
    value: float
    unit: str
    goal: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def percentile(samples: list[float], fraction: float) -> float:
    """The `fraction` (0..1) percentile of `samples`, by the inclusive method."""
    if len(samples) == 1:
        return samples[0]
    cuts = statistics.quantiles(samples, n=1000, method="inclusive")
    index = min(len(cuts) - 1, max(0, round(fraction * 1000) - 1))
    return cuts[index]
