"""scripts/benchmarks/wrk.py reads wrk --latency reports; samples captured from wrk 4.1."""

from __future__ import annotations

import pytest

from scripts.benchmarks.wrk import WrkParseError, parse_count, parse_time, parse_wrk_output

# A run against the intake Lua script: all 2xx, milliseconds throughout, a k suffix.
CLEAN = """\
Running 2s test @ http://127.0.0.1:18411/v1/orders
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.06ms    4.65ms  53.32ms   97.39%
    Req/Sec     3.50k   431.37     4.22k    85.00%
  Latency Distribution
     50%    4.38ms
     75%    4.83ms
     90%    5.55ms
     99%   34.68ms
  6963 requests in 2.00s, 1.05MB read
Requests/sec:   3477.51
Transfer/sec:    536.57KB
"""

# Every response refused (a GET on a POST route), microseconds in the distribution.
REFUSED = """\
Running 1s test @ http://127.0.0.1:18411/v1/orders
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.88ms  367.66us   5.62ms   92.04%
    Req/Sec     4.64k   586.03     5.75k    72.73%
  Latency Distribution
     50%  845.00us
     75%    0.94ms
     90%    1.04ms
     99%    2.65ms
  5073 requests in 1.10s, 0.90MB read
  Non-2xx or 3xx responses: 5073
Requests/sec:   4613.02
Transfer/sec:    833.41KB
"""

# A struggling server: seconds in the tail, socket errors, a run that took a minute.
SLOW = """\
Running 1m test @ http://127.0.0.1:8000/v1/orders
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   210.50ms  400.12ms   2.00s    91.00%
    Req/Sec    45.10     20.00   120.00     70.00%
  Latency Distribution
     50%   12.40ms
     75%   90.00ms
     90%  877.00ms
     99%    1.94s
  5400 requests in 1.00m, 1.20MB read
  Socket errors: connect 0, read 2, write 0, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:     89.98
Transfer/sec:     20.48KB
"""


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("845.00us", 845e-6), ("4.38ms", 4.38e-3), ("1.94s", 1.94), ("1.00m", 60.0), ("2h", 7200)],
)
def test_parse_time_reads_every_wrk_unit(text: str, seconds: float) -> None:
    assert parse_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "value"), [("431.37", 431.37), ("3.50k", 3500), ("1.20M", 1.2e6), ("2G", 2e9)]
)
def test_parse_count_reads_wrk_suffixes(text: str, value: float) -> None:
    assert parse_count(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "4.3 ms", "fast", "-1ms"])
def test_parse_time_refuses_what_wrk_does_not_print(text: str) -> None:
    with pytest.raises(WrkParseError):
        parse_time(text)


def test_clean_run_yields_totals_rates_and_percentiles() -> None:
    r = parse_wrk_output(CLEAN)
    assert (r.requests, r.non_2xx, r.socket_errors) == (6963, 0, 0)
    assert r.seconds == pytest.approx(2.0)
    assert r.requests_per_s == pytest.approx(3477.51)
    assert r.thread_requests_per_s == pytest.approx(3500)
    assert r.percentile_ms(50) == pytest.approx(4.38)
    assert r.percentile_ms(99) == pytest.approx(34.68)
    assert r.ok_per_s == pytest.approx(6963 / 2.0)


def test_refused_run_counts_no_successful_request() -> None:
    r = parse_wrk_output(REFUSED)
    assert r.non_2xx == 5073
    assert r.ok_per_s == 0
    assert r.percentile_ms(50) == pytest.approx(0.845)


def test_slow_run_reads_seconds_minutes_and_socket_errors() -> None:
    r = parse_wrk_output(SLOW)
    assert r.seconds == pytest.approx(60.0)
    assert r.socket_errors == 9
    assert r.latency_s[99] == pytest.approx(1.94)
    assert r.ok_per_s == pytest.approx((5400 - 12) / 60.0)


def test_output_without_latency_distribution_is_refused() -> None:
    without = CLEAN.split("  Latency Distribution")[0]
    with pytest.raises(WrkParseError, match="--latency"):
        parse_wrk_output(without)
