"""Drive wrk and read its --latency report.

Parsing is a pure function so it is unit-tested on captured output; running goes through
`procs.Proc` so wrk dies with the harness.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scripts.benchmarks.harness import HarnessError
from scripts.benchmarks.procs import Proc

# wrk prints times with these units (format_time_us) and counts with these suffixes
# (format_metric); both appear in a --latency report.
_TIME_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_COUNT_SUFFIXES = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}

_TIME_RE = re.compile(r"^(\d+(?:\.\d+)?)(us|ms|s|m|h)$")
_COUNT_RE = re.compile(r"^(\d+(?:\.\d+)?)([kMG]?)$")
_PERCENTILE_RE = re.compile(r"^\s+(\d+(?:\.\d+)?)%\s+(\S+)\s*$", re.MULTILINE)
_TOTAL_RE = re.compile(r"^\s*(\d+) requests in (\S+), ", re.MULTILINE)
_NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_SOCKET_RE = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_RATE_RE = re.compile(r"^Requests/sec:\s+(\S+)", re.MULTILINE)
_THREAD_RATE_RE = re.compile(r"^\s+Req/Sec\s+(\S+)", re.MULTILINE)


class WrkParseError(HarnessError):
    """wrk's output did not have the shape this parser knows."""


@dataclass(frozen=True)
class WrkResult:
    requests: int  # completed responses, any status
    seconds: float
    requests_per_s: float  # wrk's own figure: all statuses
    thread_requests_per_s: float  # mean per wrk thread
    non_2xx: int  # wrk counts status >= 400 here, despite the label
    socket_errors: int
    latency_s: dict[float, float]  # percentile -> seconds

    @property
    def ok_per_s(self) -> float:
        """Successful responses per second: an error path is not the path being measured."""
        return (self.requests - self.non_2xx) / self.seconds

    def percentile_ms(self, p: float) -> float:
        return self.latency_s[p] * 1e3


def parse_time(text: str) -> float:
    """'812.00us' / '4.70ms' / '1.02s' / '1.00m' -> seconds."""
    m = _TIME_RE.match(text)
    if not m:
        raise WrkParseError(f"not a wrk time: {text!r}")
    return float(m.group(1)) * _TIME_UNITS[m.group(2)]


def parse_count(text: str) -> float:
    """'3.54k' / '1.20M' / '512' -> a number."""
    m = _COUNT_RE.match(text)
    if not m:
        raise WrkParseError(f"not a wrk count: {text!r}")
    return float(m.group(1)) * _COUNT_SUFFIXES[m.group(2)]


def _need(pattern: re.Pattern[str], text: str, what: str) -> re.Match[str]:
    m = pattern.search(text)
    if not m:
        raise WrkParseError(f"wrk output has no {what}:\n{text}")
    return m


def parse_wrk_output(text: str) -> WrkResult:
    """Read a `wrk --latency` report."""
    if "Latency Distribution" not in text:
        raise WrkParseError(f"wrk output has no latency distribution (--latency?):\n{text}")
    dist = text.split("Latency Distribution", 1)[1]
    latency = {float(p): parse_time(v) for p, v in _PERCENTILE_RE.findall(dist)}
    total = _need(_TOTAL_RE, text, "request total")
    non_2xx = _NON_2XX_RE.search(text)
    sockets = _SOCKET_RE.search(text)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=parse_time(total.group(2)),
        requests_per_s=parse_count(_need(_RATE_RE, text, "Requests/sec").group(1)),
        thread_requests_per_s=parse_count(_need(_THREAD_RATE_RE, text, "Req/Sec").group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in sockets.groups()) if sockets else 0,
        latency_s=latency,
    )


def run_wrk(
    url: str, *, script: Path, seconds: int, log: Path, args: list[str], connections: int = 16
) -> WrkResult:
    """One wrk run; -t1 because the server under test needs the machine's other core."""
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
        # A slow tail must be measured, not dropped as wrk's default 2 s timeout would.
        "--timeout", "30s",
        "-s", str(script), url, "--", *args,
    ]  # fmt: skip
    with Proc(argv, log=log) as proc:
        rc = proc.wait(seconds + 60)
    text = log.read_text()
    if rc != 0:
        raise HarnessError(f"wrk exited with {rc}:\n{text}")
    return parse_wrk_output(text)
