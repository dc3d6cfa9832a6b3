"""The host's view of the gateway's signing key and limits in force (for the admin CLI)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from gateway.adapters.signing_key import SigningKey, SigningKeyError
from gateway.adapters.store.tables import gateway_state, limits_versions
from gateway.domain.limits import Limits, parse_limits
from gateway.settings import Settings

from .output import CliError, settings


def signing_key(config: Settings, create: bool = True) -> SigningKey:
    key = SigningKey(config.signing_key_path)
    try:
        key.public_key(create=create)
    except SigningKeyError as exc:
        raise CliError(str(exc)) from exc
    return key


def limits_in_force(conn: Connection) -> tuple[Limits, str]:
    """The limits every gateway process applies now (the database's), else the file's."""
    version = conn.execute(select(gateway_state.c.limits_version)).scalar_one_or_none()
    text = None if version is None else conn.execute(select(limits_versions.c.text).where(
        limits_versions.c.version == version)).scalar_one_or_none()
    if text is None:
        path = settings().limits_path
        text = path.read_text(encoding="utf-8")
        return parse_limits(text, str(path))
    return parse_limits(text, f"limits version {version}")
