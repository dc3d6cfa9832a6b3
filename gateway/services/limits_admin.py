"""Putting limits in force: audited with a diff and who did it; pending orders re-checked."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select, update

from gateway.adapters.store import orders_repo
from gateway.adapters.store.tables import gateway_state, limits_versions
from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import Writer
from gateway.domain.limits import Limits, LimitsError, parse_limits
from gateway.domain.orders import OrderState

from .limits_holder import LimitsHolder, LoadedLimits
from .transitions import recheck


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flat(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


def diff(before: Limits | None, after: Limits) -> dict[str, dict[str, Any]]:
    """{key: {"before": …, "after": …}} for every leaf that changed."""
    old = _flat(before.model_dump(mode="json")) if before is not None else {}
    new = _flat(after.model_dump(mode="json"))
    return {k: {"before": old.get(k), "after": new.get(k)}
            for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)}


def install(uow: UnitOfWork, holder: LimitsHolder, loaded: LoadedLimits,
            actor: str) -> dict[str, Any]:
    """Make `loaded` the limits in force for every process. Idempotent per version."""
    current = uow.state.limits_version
    if current == loaded.version:
        return {"version": loaded.version, "changed": False, "diff": {}}
    before: Limits | None = None
    if current is not None:
        text = uow.conn.execute(select(limits_versions.c.text).where(
            limits_versions.c.version == current)).scalar_one_or_none()
        if text is not None:
            before = parse_limits(text)[0]
    exists = uow.conn.execute(select(limits_versions.c.version).where(
        limits_versions.c.version == loaded.version)).first()
    if exists is None:
        uow.conn.execute(insert(limits_versions).values(
            version=loaded.version, text=loaded.text, installed_at=uow.now, installed_by=actor))
    uow.conn.execute(update(gateway_state).where(gateway_state.c.id == 1).values(
        limits_version=loaded.version))
    uow.state = replace(uow.state, limits_version=loaded.version)
    holder.adopt(loaded)
    changes = diff(before, loaded.limits)
    uow.audit.append(uow.now, "limits.changed", actor,
                     payload={"from": current, "to": loaded.version, "diff": changes})
    reevaluated = _reevaluate_pending(uow, loaded.limits, loaded.version)
    return {"version": loaded.version, "changed": True, "diff": changes,
            "reevaluated": reevaluated}


def _reevaluate_pending(uow: UnitOfWork, limits: Limits, version: str) -> list[dict[str, Any]]:
    """Every pending order is re-checked; its version moves on, so an approval of what the
    trader saw before is refused, and the desk shows the fresh findings."""
    out = []
    uow.invalidate()
    for order in orders_repo.orders_in_states(uow.conn, [OrderState.PENDING_APPROVAL]):
        decision = recheck(uow, order, limits)
        after = order.evolve(version=order.version + 1, updated_at=uow.now,
                             limits_version=version)
        orders_repo.update_order(uow.conn, order, after, decision.checks)
        uow.audit.append(uow.now, "order.reevaluated", "system:limits", order_id=order.id,
                         reason=None if decision.passed else decision.summary(),
                         payload={"version": after.version, "limits_version": version,
                                  "passed": decision.passed,
                                  "checks": [c.as_dict() for c in decision.checks]})
        out.append({"order_id": order.id, "passed": decision.passed})
    return out


def refuse_reload(uow: UnitOfWork, actor: str, error: LimitsError) -> None:
    """An invalid file keeps the limits in force; the refusal and its reasons are audited."""
    uow.audit.append(uow.now, "limits.reload_refused", actor, reason=str(error).splitlines()[0],
                     payload={"problems": [{"key": k, "value": repr(v), "rule": r}
                                           for k, v, r in error.problems]})


async def reload_from_file(writer: Writer, holder: LimitsHolder, actor: str) -> dict[str, Any]:
    """Re-read the limits file and put it in force; raise LimitsError (audited) if invalid."""
    try:
        loaded = holder.read_file()
    except LimitsError as exc:
        error = exc
        await writer.run(lambda uow: refuse_reload(uow, actor, error))
        raise
    result: dict[str, Any] = await writer.run(lambda uow: install(uow, holder, loaded, actor))
    return result
