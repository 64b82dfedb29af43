"""Run the named benchmarks (all when none is named) and print their figures as JSON lines."""

import importlib
import pkgutil
import sys
from pathlib import Path

import bench

# Modules of this package that support the benchmarks rather than being one.
_HELPERS = {"__main__", "databases", "day", "figures"}


def available() -> list[str]:
    """Every benchmark module in this package, by name."""
    folder = Path(bench.__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name not in _HELPERS)


def main(names: list[str]) -> int:
    known = available()
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(known)}", file=sys.stderr)
        return 2
    for name in names or known:
        module = importlib.import_module(f"bench.{name}")
        for figure in module.run():
            print(figure.to_json(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
