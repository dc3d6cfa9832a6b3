"""Benchmarks run by `scripts/bench`.

Each benchmark is one module in this package that defines `BENCHMARK = Benchmark(...)`
(see `harness.py`); the harness finds it by that name, so adding one touches no other file.
A benchmark measures a baseline and its subject in the same run and reports ratios, because
these shared 2-core machines swing too much between runs for absolute figures to compare.
"""
