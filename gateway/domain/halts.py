"""Halts: the global one and scoped ones (a symbol, a producer), and the one decision every
path asks of them: is this order stopped, and by which halt?

Pure: the shell loads the halts in force under the database lock and asks here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

# Orders the gateway itself places to close positions after a halt (`gateway halt
# --flatten`). A colon cannot appear in a registered producer's name, so no bot can pose as it.
FLATTEN_PRODUCER = "system:flatten"


class HaltScope(StrEnum):
    GLOBAL = "global"
    SYMBOL = "symbol"
    PRODUCER = "producer"


@dataclass(frozen=True, slots=True)
class Halt:
    scope: HaltScope
    target: str  # the symbol or producer; "" for the global halt
    reason: str
    actor: str
    since: datetime
    rule: str | None = None  # the automatic rule that fired; None for a human's halt

    @property
    def label(self) -> str:
        if self.scope is HaltScope.GLOBAL:
            return "all trading"
        return f"{self.scope.value} {self.target}"

    def covers(self, symbol: str, producer: str) -> bool:
        if self.scope is HaltScope.GLOBAL:
            return True
        return self.target == (symbol if self.scope is HaltScope.SYMBOL else producer)


def is_flatten(producer: str) -> bool:
    return producer == FLATTEN_PRODUCER


@dataclass(frozen=True, slots=True)
class HaltBook:
    """Every halt in force. At most one per (scope, target)."""

    halts: tuple[Halt, ...] = ()

    @classmethod
    def of(cls, halts: Iterable[Halt]) -> HaltBook:
        # Global first, then symbols, then producers: the broadest halt is the one named.
        order = {HaltScope.GLOBAL: 0, HaltScope.SYMBOL: 1, HaltScope.PRODUCER: 2}
        return cls(tuple(sorted(halts, key=lambda h: (order[h.scope], h.target))))

    def __bool__(self) -> bool:
        return bool(self.halts)

    @property
    def global_halt(self) -> Halt | None:
        return self.find(HaltScope.GLOBAL, "")

    @property
    def scoped(self) -> tuple[Halt, ...]:
        return tuple(h for h in self.halts if h.scope is not HaltScope.GLOBAL)

    def find(self, scope: HaltScope, target: str) -> Halt | None:
        return next((h for h in self.halts if h.scope is scope and h.target == target), None)

    def with_halt(self, halt: Halt) -> HaltBook:
        return HaltBook.of([*self.without(halt.scope, halt.target).halts, halt])

    def without(self, scope: HaltScope, target: str) -> HaltBook:
        return replace(self, halts=tuple(h for h in self.halts
                                         if not (h.scope is scope and h.target == target)))

    def blocking(self, symbol: str, producer: str) -> Halt | None:
        """The halt that stops a producer's order on `symbol` from being proposed, approved
        or sent; None if none does. Flatten orders are never stopped here: they are sent
        during a halt because, and only while, they reduce a position (see `flatten.py`)."""
        if is_flatten(producer):
            return None
        return next((h for h in self.halts if h.covers(symbol, producer)), None)

    def halted_symbols(self) -> frozenset[str]:
        return frozenset(h.target for h in self.halts if h.scope is HaltScope.SYMBOL)

    def halted_producers(self) -> frozenset[str]:
        return frozenset(h.target for h in self.halts if h.scope is HaltScope.PRODUCER)


def refusal(halt: Halt) -> str:
    """What a bot or a trader is told when `halt` stops their order."""
    where = "trading" if halt.scope is HaltScope.GLOBAL else f"trading for {halt.label}"
    return f"{where} is halted: {halt.reason}"
