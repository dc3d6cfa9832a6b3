"""The harness's vocabulary: a benchmark, the context it runs in, and the rows it reports."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HOST = "127.0.0.1"  # every server and every load generator stays on loopback


class HarnessError(RuntimeError):
    """The harness itself failed (a server did not start, wrk failed): exit non-zero."""


@dataclass(frozen=True)
class Goal:
    """A bound on a row's ratio (subject/baseline) or, for counts, on its value."""

    op: Literal[">=", "<=", "=="]
    bound: float
    on: Literal["ratio", "value"] = "ratio"

    def met(self, x: float) -> bool:
        if self.op == ">=":
            return x >= self.bound
        if self.op == "<=":
            return x <= self.bound
        return x == self.bound

    def __str__(self) -> str:
        bound = f"{self.bound:g}" if self.on == "value" else f"{self.bound:.2f}"
        return f"{self.on} {self.op} {bound}"


@dataclass(frozen=True)
class Row:
    """One metric of one benchmark: the subject's value beside the same-run baseline."""

    benchmark: str
    metric: str
    value: float
    baseline: float | None = None
    goal: Goal | None = None
    fmt: str = ".2f"

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return "-"
        x = self.value if self.goal.on == "value" else self.ratio
        if x is None:
            return "n/a"
        return "pass" if self.goal.met(x) else "MISS"


@dataclass(frozen=True)
class Context:
    """What every benchmark gets: where the repo is, how long to load, how to report."""

    root: Path
    duration: int
    warmup: int
    self_check: bool  # run the baseline in the subject's place to prove the harness

    @property
    def venv_bin(self) -> Path:
        return self.root / ".venv" / "bin"

    def say(self, message: str) -> None:
        # Progress goes to stderr so stdout holds only the table.
        print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Benchmark:
    name: str
    summary: str
    run: Callable[[Context], list[Row]]


def discover() -> dict[str, Benchmark]:
    """Every module of this package that defines BENCHMARK, by name, sorted."""
    package = importlib.import_module(__package__ or "scripts.benchmarks")
    found: dict[str, Benchmark] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        bench = getattr(module, "BENCHMARK", None)
        if isinstance(bench, Benchmark):
            found[bench.name] = bench
    return dict(sorted(found.items()))
