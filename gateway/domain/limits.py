"""limits.yaml as a frozen model that refuses unknown keys.

Adding a limit is one field here and one check module in `checks/`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    model_validator,
)

from .money import parse_decimal
from .quarantine_limits import QuarantineLimits
from .stop_loss import StopLevel, StopLossSettings
from .venue_limits import VenueId, VenueRules

Amount = Annotated[Decimal, BeforeValidator(parse_decimal)]
PositiveAmount = Annotated[Amount, Field(gt=0)]
Share = Annotated[Amount, Field(gt=0, le=1)]

# Exact canonical form only: upper-case ASCII base and quote joined by one slash.
SYMBOL_RE = re.compile(r"^[A-Z0-9]{2,12}/[A-Z0-9]{2,12}$")


def _canonical_symbol(symbol: str) -> str:
    # fullmatch, not match: `$` would let "BTC/USDT\n" through.
    if not SYMBOL_RE.fullmatch(symbol):
        raise ValueError(
            f"symbol {symbol!r} is not canonical: write BASE/QUOTE in upper-case "
            "ASCII, e.g. BTC/USDT"
        )
    return symbol


# Validated per key, so every bad symbol is reported, alongside any bad value.
Symbol = Annotated[str, AfterValidator(_canonical_symbol)]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


OrderTypeName = Literal["limit", "market"]
SideName = Literal["buy", "sell"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
EndTime = Annotated[str, Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]


class TradingWindow(Frozen):
    """When a symbol may trade, in UTC. Outside it every order is refused."""

    days: list[Weekday] = Field(min_length=1)
    """Weekdays on which trading is allowed."""

    start: ClockTime = "00:00"
    """Opening time, UTC, inclusive."""

    end: EndTime = "24:00"
    """Closing time, UTC, exclusive; "24:00" means the end of the day."""


class Throttle(Frozen):
    """How many proposals may arrive in a rolling window (refused ones count too)."""

    window_seconds: StrictInt = Field(default=60, gt=0, le=3600)
    """Length of the rolling window."""

    max_proposals: StrictInt | None = Field(default=None, gt=0)
    """Across all producers."""

    max_proposals_per_producer: StrictInt | None = Field(default=None, gt=0)
    """For each producer on its own."""


class SymbolLimits(Frozen):
    """Limits of one allowlisted symbol. A symbol absent from `symbols` is not tradable."""

    max_position: PositiveAmount
    """Largest absolute position in base units, long or short, counting every pending and
    open order as if it filled."""

    max_position_notional: PositiveAmount | None = None
    """The same worst-case position valued at the reference price, in the quote currency."""

    max_order_notional: PositiveAmount | None = None
    """Per-order notional cap for this symbol (quote currency); the tighter of this and the
    global cap applies."""

    min_quantity: PositiveAmount | None = None
    """Smallest order quantity in base units."""

    max_quantity: PositiveAmount | None = None
    """Largest order quantity in base units."""

    order_types: list[OrderTypeName] | None = None
    """Order types allowed for this symbol; absent, the global list applies."""

    reduce_only: bool = False
    """Only orders that shrink an existing position pass."""

    trading_window: TradingWindow | None = None
    """When this symbol may trade; absent, at any time."""

    max_order_equity_share: Share | None = None
    """Per-order notional cap as a share of account equity; the tighter of this and the
    global share applies (beside the absolute caps: the tightest of all wins)."""

    max_position_equity_share: Share | None = None
    """Worst-case position value cap as a share of account equity (see the global key)."""

    stop_loss_share: Annotated[Amount, Field(gt=0, lt=1)] | None = None
    """Stop level: the position's unrealized loss reaching this share of its entry value."""

    stop_loss_distance: PositiveAmount | None = None
    """Stop level: the reference price moving this far against the entry price."""


class Limits(Frozen):
    """The hard limits in force. Default deny: what no rule allows is refused."""

    quote_currency: str = Field(default="USDT", pattern=r"^[A-Z0-9]{2,12}$")
    """Currency every notional and PnL figure is expressed in."""

    approval_ttl_seconds: StrictInt = Field(default=120, gt=0, le=86_400)
    """How long a passing proposal waits for a human before it expires."""

    max_order_notional: PositiveAmount
    """Largest notional (quantity x price) of any single order, in the quote currency."""

    symbols: dict[Symbol, SymbolLimits] = Field(min_length=1)
    """The symbol allowlist and each symbol's own limits."""

    order_types: list[OrderTypeName] = Field(default=["limit"], min_length=1)
    """Order types allowed. Market orders also fail the price collar, which cannot bound
    them; allow them only knowingly."""

    sides: list[SideName] = Field(default=["buy", "sell"], min_length=1)
    """Sides allowed (e.g. only `sell` while winding a book down)."""

    price_collar_bps: PositiveAmount = Decimal(100)
    """Largest distance of a limit price from the reference price, in basis points."""

    max_price_age_seconds: StrictInt = Field(default=10, gt=0, le=3600)
    """A reference price older than this is stale: every order is refused (fail closed)."""

    max_gross_exposure: PositiveAmount | None = None
    """Sum over symbols of |worst-case position| x reference price, quote currency."""

    quarantine: QuarantineLimits = QuarantineLimits()
    """When a producer's behaviour suspends it automatically (see quarantine_limits.py)."""

    max_net_exposure: PositiveAmount | None = None
    """|Sum over symbols of worst-case signed position x reference price|, quote currency."""

    max_open_orders: StrictInt | None = Field(default=None, gt=0)
    """Pending, approved and open orders across all producers."""

    max_open_orders_per_producer: StrictInt | None = Field(default=None, gt=0)
    """Pending, approved and open orders of one producer."""

    daily_loss_limit: PositiveAmount | None = None
    """Loss since the session start (realized + unrealized) at which new risk is refused and
    trading halts automatically."""

    max_drawdown: PositiveAmount | None = None
    """Fall from the session's equity peak at which new risk is refused and trading halts."""

    session_start_utc: ClockTime = "00:00"
    """When the daily loss and drawdown session begins, UTC."""

    throttle: Throttle = Throttle()
    """Proposal rate limits."""

    duplicate_window_seconds: StrictInt = Field(default=10, ge=0, le=3600)
    """The same producer, symbol, side and quantity again within this many seconds is
    refused, unless the proposal carries its own idempotency key. 0 turns it off."""

    reduce_only: bool = False
    """Only orders that shrink an existing position pass, on every symbol."""

    dual_approval_notional: PositiveAmount | None = None
    """Orders whose notional exceeds this (quote currency) need two different operators to
    approve; absent, one approval suffices."""

    bar_own_principal_approval: bool = False
    """When true, the human principal who answers for a producer may not approve (nor be
    the second approver of) that producer's orders."""

    venues: dict[VenueId, VenueRules] | None = None
    """The venues orders may go to, each with the jurisdictions it may be used from and
    the symbols it may trade. A venue not listed is not used. Absent: only the connected
    venue, from any jurisdiction, for every allowlisted symbol."""

    account_equity: PositiveAmount | None = None
    """The account's equity before any realized PnL the gateway has recorded (quote
    currency). Equity = this + realized PnL + unrealized PnL at reference prices. Needed by
    the equity-share limits."""

    max_order_equity_share: Share | None = None
    """Largest order notional as a share of equity (e.g. 0.05), beside max_order_notional."""

    max_position_equity_share: Share | None = None
    """Largest worst-case position value per symbol as a share of equity."""

    stop_loss: StopLossSettings = StopLossSettings()
    """Stop-loss defaults and what happens when a position reaches its level."""

    # Stop levels, worked out once: the stop-loss check asks on every proposal. (A cached
    # property, not a private attribute: pydantic's private attribute lookup costs µs.)
    @cached_property
    def _stop_levels(self) -> tuple[dict[str, StopLevel], StopLevel]:
        default = StopLevel(self.stop_loss.share, self.stop_loss.distance)
        own = {s: StopLevel(v.stop_loss_share, v.stop_loss_distance)
               for s, v in self.symbols.items()
               if v.stop_loss_share is not None or v.stop_loss_distance is not None}
        return own, default

    @cached_property
    def any_stop_level(self) -> bool:
        own, default = self._stop_levels
        return bool(own) or default.is_set

    @model_validator(mode="after")
    def _consistent(self) -> Limits:
        shares = [self.max_order_equity_share, self.max_position_equity_share] + [
            v for s in self.symbols.values()
            for v in (s.max_order_equity_share, s.max_position_equity_share)]
        if self.account_equity is None and any(v is not None for v in shares):
            raise ValueError("an equity share limit is set but account_equity is not: give the "
                             "account's starting equity (quote currency) so shares can be "
                             "computed")
        for venue, rules in (self.venues or {}).items():
            unknown = sorted((rules.symbols or frozenset()) - set(self.symbols))
            if unknown:
                raise ValueError(f"venues.{venue}.symbols: {', '.join(unknown)} not on the "
                                 "symbol allowlist (symbols:); add them there or remove them")
        return self

    def stop_level(self, symbol: str) -> StopLevel:
        """The symbol's own stop level, else the default from `stop_loss:`."""
        own, default = self._stop_levels
        return own.get(symbol, default)


class LimitsError(ValueError):
    """An invalid limits file; `problems` lists every (key, value, rule)."""

    def __init__(self, source: str, problems: list[tuple[str, object, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem(s)"]
        lines += [f"  {key}: {value!r}: {rule}" for key, value, rule in problems]
        super().__init__("\n".join(lines))


class _DecimalLoader(yaml.SafeLoader):
    """YAML reads 0.1 as a float; here it becomes Decimal('0.1') from the text itself."""


def _decimal_constructor(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | str:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        return Decimal(text)
    except InvalidOperation:
        # .inf, .nan, 1:30.5 ...: hand the text on so validation reports key, value and rule.
        return text


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[object, object]:
    # PyYAML keeps the last of two equal keys; a second `BTC/USDT:` block silently
    # replacing the first is exactly the mistake a limits file must not hide.
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}: each key may appear once",
                key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal_constructor)
_DecimalLoader.add_constructor("tag:yaml.org,2002:map", _unique_mapping)


def parse_limits(text: str, source: str = "limits.yaml") -> tuple[Limits, str]:
    """Parse limits text; return the model and its version (a hash of the text)."""
    try:
        data = yaml.load(text, Loader=_DecimalLoader)
    except yaml.YAMLError as exc:
        raise LimitsError(source, [("(file)", None, f"not valid YAML: {exc}")]) from exc
    if not isinstance(data, Mapping):
        raise LimitsError(source, [("(file)", type(data).__name__, "must be a mapping of keys")])
    try:
        limits = Limits.model_validate(data)
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in err["loc"]) or "(file)", err.get("input"), err["msg"])
            for err in exc.errors()
        ]
        raise LimitsError(source, problems) from exc
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return limits, version
