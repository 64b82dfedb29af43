"""Benchmarks: `scripts/bench [NAME...]` prints one JSON object per figure.

Each module `bench/<name>.py` defines `run() -> Iterator[Figure]`. Benchmarks measure and report;
they never assert (tests assert). Figures go to docs/benchmarks.md with the command that made them.
"""
