"""Pure text formatting for the desk: countdowns, amounts, checks and the halt line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from gateway.api.desk_schemas import QueueOrderOut
from gateway.api.schemas import CheckOut, HaltOut, OrderOut
from gateway.domain.money import fmt


def countdown(seconds: float) -> str:
    """Time left to expiry: "expired", "MM:SS" under an hour, else "HhMMm"."""
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes:02d}:{secs:02d}"


def seconds_left(order: OrderOut, server_now: datetime) -> float:
    return (order.expires_at - server_now).total_seconds()


def when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def check_line(check: CheckOut) -> Text:
    """One check as '✔ name  observed X / limit Y  message'.

    Built from Text parts, never markup, so server-supplied strings cannot restyle it.
    """
    mark = Text("✔ ", style="bold green") if check.passed else Text("✘ ", style="bold red")
    line = Text.assemble(mark, (check.name, "bold"))
    if check.observed is not None or check.limit is not None:
        line.append(f"  observed {_value(check.observed)} / limit {_value(check.limit)}")
    if check.message:
        line.append(f"  {check.message}", style="dim" if check.passed else "")
    return line


def checks_summary(order: OrderOut) -> str:
    if isinstance(order, QueueOrderOut):  # the queue's rows count checks, not list them
        failed, total = order.checks_failed, order.checks_total
    else:
        failed = sum(1 for c in order.checks if not c.passed)
        total = len(order.checks)
    return f"✘ {failed}/{total}" if failed else f"✔ {total}"


def halt_line(halt: HaltOut) -> str:
    who = halt.actor or "unknown"
    why = halt.reason or "no reason given"
    return (
        f"TRADING HALTED since {when(halt.since)} by {who}: {why}. "
        "Nothing is sent to the venue. R resumes (risk or admin only)."
    )


def scoped_halt_line(halts: Sequence[HaltOut]) -> str:
    """Halts of single symbols or producers, one clause each."""
    parts = [f"{h.scope} {h.target} since {when(h.since)} by {h.actor or 'unknown'}: "
             f"{h.reason or 'no reason given'}" for h in halts if h.halted]
    return ("HALTED " + "; ".join(parts) + ". Other trading continues.") if parts else ""


def order_title(order: OrderOut) -> str:
    price = "market" if order.limit_price is None else f"@ {fmt(order.limit_price)}"
    return f"{order.side.upper()} {fmt(order.quantity)} {order.symbol} {price}"


def _value(value: str | int | None) -> str:
    return "-" if value is None else str(value)


def quarantine_alert(payload: dict[str, object]) -> str:
    """What the desk says when a producer is quarantined, with the evidence behind it."""
    evidence = payload.get("evidence")
    items = [str(e) for e in evidence] if isinstance(evidence, list) else []
    withdrawn = payload.get("withdrawn")
    queued = len(withdrawn) if isinstance(withdrawn, list) else 0
    shown = "; ".join(items[-3:]) + (f" (and {len(items) - 3} more)" if len(items) > 3 else "")
    return (f"Producer {payload.get('name', '?')} QUARANTINED for {payload.get('trigger', '?')}: "
            f"{len(items)} within {payload.get('window_seconds', '?')} s (threshold "
            f"{payload.get('threshold', '?')}). Evidence: {shown or '-'}. {queued} queued "
            "order(s) withdrawn; only an operator can reinstate it "
            f"(`gateway producers reinstate {payload.get('name', 'NAME')}`).")
