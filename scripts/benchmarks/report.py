"""The results table, on the terminal and as a dated section of docs/BENCHMARKS.md."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from scripts.benchmarks.harness import Row

COLUMNS = ("benchmark", "metric", "value", "baseline", "ratio", "goal", "verdict")

HEADER = """\
# Benchmarks

Sections are appended by `scripts/bench --record`, newest last.

Read the **ratio** column, not the raw values. Each figure is a ratio of the subject (the
gateway) against a baseline measured in the same run, moments before, on the same machine:
these machines are shared, noisy and small (2 cores), so absolute figures swing from one run
to the next while the ratio holds much better. Goals apply to the ratio unless they say
`value`. A missed goal is reported (MISS), never fatal.
"""


def cells(row: Row) -> list[str]:
    ratio = row.ratio
    return [
        row.benchmark,
        row.metric,
        format(row.value, row.fmt),
        "-" if row.baseline is None else format(row.baseline, row.fmt),
        "-" if ratio is None else f"{ratio:.2f}",
        "-" if row.goal is None else str(row.goal),
        row.verdict,
    ]


def table(rows: list[Row]) -> str:
    body = [list(COLUMNS), *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in body) for i in range(len(COLUMNS))]

    # Text left, numbers right, so the eye can compare magnitudes down a column.
    def fmt(line: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in (0, 1, 5, 6) else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    return "\n".join(fmt(line) for line in body)


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def git_commit(root: Path) -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "no commit"
    # A dirty tree means the figures belong to code that no commit holds.
    return commit + (" + uncommitted changes" if git("status", "--porcelain") else "")


def machine(load: tuple[float, float, float]) -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # Load before the run tells how busy the shared machine was with others' work.
    avg = ", ".join(f"{x:.2f}" for x in load)
    return f"nproc {len(os.sched_getaffinity(0))}, {model}; load average {avg} before the run"


def record(
    path: Path, root: Path, rows: list[Row], command: str, load: tuple[float, float, float]
) -> None:
    section = "\n".join([
        "", f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "", f"- commit: {git_commit(root)}", f"- machine: {machine(load)}",
        f"- command: `{command}`", "", markdown(rows), "",
    ])  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(HEADER)
    with path.open("a") as out:
        out.write(section)
