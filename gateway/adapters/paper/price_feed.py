"""Deterministic price paths for the paper venue.

Each symbol follows a Brownian motion in log-price, built by midpoint (Brownian-bridge)
refinement over blocks of 2**20 steps. Every random increment comes from a hash of
(seed, symbol, node), so a price is a pure function of (seed, symbol, start price, volatility,
step, time): equal in any process, and a single time costs ~20 hashes however far it lies from
the epoch, instead of a walk over every step in between.

The randomness is integer (a sum of 12 hashed uniforms) and all arithmetic runs in one fixed
Decimal context, so no float or platform libm ever touches a price.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

_LEVELS = 20
_BLOCK = 1 << _LEVELS  # steps per top-level block: ~12 days at 1 s
_CHUNK = 4096  # steps computed per batch when walking a range
_UNIFORMS = 12  # Irwin-Hall: the sum of 12 uniforms minus 6 has unit variance
_UNPACK = struct.Struct(f"<{_UNIFORMS}H").unpack
_CENTRE = _UNIFORMS * 0xFFFF
_SCALE = Decimal(2 * 0x10000)
# Fixed, so the caller's (thread-local, mutable) decimal context can never change a price.
_CTX = Context(prec=28, rounding=ROUND_HALF_EVEN)
_DEFAULT_TICK = Decimal("0.01")
_CACHE_SIZE = 4096


class PriceFeed:
    """Mid prices of a seeded random walk, quantised to each symbol's price tick.

    `volatility` is the standard deviation of the log-price change over one step.
    The default (0.0001 per 1 s step) is roughly 55 % a year, about what BTC does.
    """

    def __init__(
        self,
        start_prices: Mapping[str, Decimal],
        *,
        seed: int = 7,
        volatility: Decimal = Decimal("0.0001"),
        step_seconds: int = 1,
        ticks: Mapping[str, Decimal] | None = None,
        epoch: datetime = EPOCH,
    ) -> None:
        if step_seconds <= 0:
            raise ValueError("step_seconds must be positive")
        if volatility < 0:
            raise ValueError("volatility must not be negative")
        if epoch.tzinfo is None:
            raise ValueError("epoch must be timezone-aware")
        for symbol, start in start_prices.items():
            if start <= 0:
                raise ValueError(f"start price of {symbol} must be positive")
        self._start = dict(start_prices)
        self._ticks = dict(ticks or {})
        self._seed = seed
        self._step_us = step_seconds * 1_000_000
        self._epoch = epoch
        with localcontext(_CTX):
            # Bridge midpoint of an interval of 2**k steps: std = volatility * sqrt(2**k) / 2.
            self._mid_sd = [volatility * Decimal(1 << k).sqrt() / 2 for k in range(_LEVELS + 1)]
            self._block_sd = volatility * Decimal(_BLOCK).sqrt()
        self._blocks: dict[str, dict[int, Decimal]] = {}
        self._cache: dict[tuple[str, int], Decimal] = {}

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self._start)

    def step_of(self, at: datetime) -> int:
        """The step whose price holds at `at` (steps start at the epoch)."""
        delta = at - self._epoch
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return micros // self._step_us

    def time_of(self, step: int) -> datetime:
        return self._epoch + timedelta(microseconds=step * self._step_us)

    def price(self, symbol: str, at: datetime) -> Decimal:
        return self.price_at_step(symbol, self.step_of(at))

    def price_at_step(self, symbol: str, step: int) -> Decimal:
        key = (symbol, step)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        with localcontext(_CTX):
            price = self._to_price(symbol, self._offset(symbol, step))
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = price
        return price

    def prices(self, symbol: str, first: int, last: int) -> Iterator[tuple[int, Decimal]]:
        """(step, price) for every step in [first, last], about two hashes per step."""
        while first <= last:
            end = min(last, first + _CHUNK - 1)
            with localcontext(_CTX):
                batch = [self._to_price(symbol, w) for w in self._offsets(symbol, first, end)]
            yield from zip(range(first, end + 1), batch, strict=True)
            first = end + 1

    def _to_price(self, symbol: str, offset: Decimal) -> Decimal:
        tick = self._ticks.get(symbol, _DEFAULT_TICK)
        raw = self._start[symbol] * offset.exp()
        return max(tick, (raw / tick).to_integral_value() * tick)

    def _noise(self, symbol: str, kind: str, a: int, b: int) -> Decimal:
        """A deterministic standard-normal-ish draw for one node of the path."""
        text = f"v1:{self._seed}:{symbol}:{kind}:{a}:{b}".encode()
        digest = hashlib.blake2b(text, digest_size=2 * _UNIFORMS).digest()
        return Decimal(2 * sum(_UNPACK(digest)) - _CENTRE) / _SCALE

    def _block_offset(self, symbol: str, block: int) -> Decimal:
        """Log-offset at the start of a block: a plain walk over blocks, cached."""
        if symbol not in self._start:
            raise KeyError(symbol)
        known = self._blocks.setdefault(symbol, {0: Decimal(0)})
        if block in known:
            return known[block]
        # `known` always covers a contiguous range of blocks that includes 0.
        hi, lo = max(known), min(known)
        while hi < block:
            known[hi + 1] = known[hi] + self._block_sd * self._noise(symbol, "block", hi, 0)
            hi += 1
        while lo > block:
            known[lo - 1] = known[lo] - self._block_sd * self._noise(symbol, "block", lo - 1, 0)
            lo -= 1
        return known[block]

    def _offset(self, symbol: str, step: int) -> Decimal:
        block, rest = divmod(step, _BLOCK)
        left = self._block_offset(symbol, block)
        right = self._block_offset(symbol, block + 1)
        lo, level = block * _BLOCK, _LEVELS
        while rest:
            mid = (left + right) / 2 + self._mid_sd[level] * self._noise(symbol, "mid", lo, level)
            level -= 1
            half = 1 << level
            if rest < half:
                right = mid
            else:
                left, lo, rest = mid, lo + half, rest - half
        return left

    def _offsets(self, symbol: str, first: int, last: int) -> list[Decimal]:
        out: list[Decimal] = []
        for block in range(first // _BLOCK, last // _BLOCK + 1):
            left = self._block_offset(symbol, block)
            right = self._block_offset(symbol, block + 1)
            self._fill(symbol, block * _BLOCK, _LEVELS, left, right, first, last, out)
        return out

    def _fill(
        self,
        symbol: str,
        lo: int,
        level: int,
        left: Decimal,
        right: Decimal,
        first: int,
        last: int,
        out: list[Decimal],
    ) -> None:
        """Append offsets for the steps of [lo, lo + 2**level) that lie in [first, last]."""
        if level == 0:
            out.append(left)
            return
        # Same expression as in _offset, so a range and a single step always agree exactly.
        mid = (left + right) / 2 + self._mid_sd[level] * self._noise(symbol, "mid", lo, level)
        mid_step = lo + (1 << (level - 1))
        if first < mid_step:
            self._fill(symbol, lo, level - 1, left, mid, first, last, out)
        if last >= mid_step:
            self._fill(symbol, mid_step, level - 1, mid, right, first, last, out)
