"""Decimal parsing that never goes through float.

Amounts cross every boundary (wire, YAML, database) as decimal text. A float is refused
outright: by the time a value is a float its precision is already gone.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from decimal import Context, Decimal, InvalidOperation, localcontext
from functools import wraps
from typing import ParamSpec, TypeVar

# Bounded digits: refuses absurd exponents and values no venue would accept.
# ASCII digits only: `\d` also matches Unicode digits (U+0661...), which Decimal() accepts.
_DECIMAL_RE = re.compile(r"^-?(0|[1-9][0-9]{0,19})(\.[0-9]{1,18})?$")


class AmountError(ValueError):
    """A value that cannot be a money amount; the message says what to send instead."""


def parse_decimal(value: object) -> Decimal:
    """Parse decimal text ("0.015") or an int into a Decimal; refuse everything else."""
    if isinstance(value, bool):
        raise AmountError("must be a decimal string such as \"0.015\", not a boolean")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountError("must be a finite number")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise AmountError(
            "must be a decimal string such as \"0.015\", not a JSON number: "
            "floats lose precision before any check can see them"
        )
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_RE.match(text):
            raise AmountError(
                f"{value!r} is not a plain decimal (digits, optional '.', up to 20 integer "
                "and 18 fractional digits, no exponent)"
            )
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid text
            raise AmountError(f"{value!r} is not a decimal") from exc
    raise AmountError(f"must be a decimal string, got {type(value).__name__}")


_ANY_DECIMAL_RE = re.compile(r"^-?[0-9]{1,60}(\.[0-9]{1,60})?$")


def read_decimal(value: object) -> Decimal:
    """Read a figure the gateway itself produced (an average, a PnL, a notional): exact, any
    precision up to 60+60 digits. Inputs from outside go through `parse_decimal` instead."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _ANY_DECIMAL_RE.match(value):
        return Decimal(value)
    raise AmountError(f"{value!r} is not a decimal figure")


def to_text(value: Decimal) -> str:
    """Canonical text: no exponent, no trailing zeros ("0.0100" -> "0.01", "4E+3" -> "4000")."""
    if value == 0:
        return "0"
    # Not value.normalize(): it rounds to the context precision (28 digits), and amounts
    # may carry up to 38. Formatting first and trimming the text is exact.
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt(value: Decimal | None, places: int | None = None) -> str:
    """For people: canonical text, or "-" for no value; `places` rounds for display only."""
    if value is None:
        return "-"
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return to_text(value)


# Amounts carry up to 38 digits and a product of two up to 76: Decimal's default 28-digit
# context would round a notional one step over a cap down onto it. This context is exact
# for every value the parser admits, and traps anything undefined (NaN) instead of guessing.
EXACT = Context(prec=120, traps=[InvalidOperation])
_P = ParamSpec("_P")
_R = TypeVar("_R")


EXACT_BODY = "__exact_body__"
_threads = threading.local()


def exact_context() -> Context:
    """This thread's own copy of EXACT, to install with `setcontext` (and put back the one
    before after): entering `localcontext(EXACT)` copies the context every time, which costs
    the policy more than a third of its checks do. One copy per thread, never shared:
    arithmetic writes the context's flags (only InvalidOperation is trapped; nothing reads
    them)."""
    try:
        return _threads.exact  # type: ignore[no-any-return]
    except AttributeError:
        _threads.exact = EXACT.copy()
        return _threads.exact  # type: ignore[no-any-return]


def exact(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `fn` in the exact context: for every function that compares money to a limit.

    The undecorated function stays reachable as `__exact_body__`, for callers that already
    run in EXACT (the policy runs every check in one context instead of one per check)."""

    @wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(EXACT):
            return fn(*args, **kwargs)

    setattr(wrapper, EXACT_BODY, fn)
    return wrapper
