"""Wire models of the halt controls: halt and resume a scope, flatten positions."""

from __future__ import annotations

from pydantic import Field

from .schemas import DecimalOut, OrderOut, Wire

SYMBOL = Field(default=None, min_length=1, max_length=32,
               description="Halt (resume, flatten) only this symbol, e.g. BTC/USDT")
PRODUCER = Field(default=None, min_length=1, max_length=64,
                 description="Halt (resume) only this producer")


class HaltIn(Wire):
    reason: str = Field(min_length=1, max_length=500)
    symbol: str | None = SYMBOL
    producer: str | None = PRODUCER


class FlattenIn(Wire):
    reason: str = Field(min_length=1, max_length=500)
    symbol: str | None = SYMBOL
    dry_run: bool = Field(default=False, description="Plan only: what would be sent")


class FlattenLegOut(Wire):
    symbol: str
    side: str
    quantity: DecimalOut
    limit_price: DecimalOut


class LeftoverOut(Wire):
    symbol: str
    quantity: DecimalOut
    why: str


class FlattenOut(Wire):
    dry_run: bool
    planned: list[FlattenLegOut]
    orders: list[OrderOut] = Field(description="Created approved; the executor sends them")
    left: list[LeftoverOut] = Field(description="What the plan cannot close now, and why")
