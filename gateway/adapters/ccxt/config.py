"""How the ccxt venue is configured, and where its credentials come from.

Credentials never leave this object in readable form: repr and str hide them, nothing logs
or audits them, and only the adapter hands them to ccxt.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class Secret:
    """A string that refuses to show itself in reprs, logs and tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class CcxtConfig:
    exchange_id: str = "binance"
    """A ccxt exchange id (`binance`, `kraken`, ...)."""
    sandbox: bool = False
    """Use the venue's sandbox / testnet URLs (ccxt's set_sandbox_mode)."""
    api_url: str | None = None
    """A base URL replacing the host of every API section (a local venue in tests)."""
    api_key: Secret = field(default_factory=lambda: Secret(""))
    secret: Secret = field(default_factory=lambda: Secret(""))
    timeout_ms: int = 10_000
    """Beyond this a call fails; for a create that means outcome unknown, never failed."""
    rate_limit: bool = True
    """ccxt's own request pacing: keep it on against real venues."""


def load_credentials(env: Mapping[str, str]) -> tuple[Secret, Secret]:
    """GATEWAY_CCXT_API_KEY / GATEWAY_CCXT_SECRET, else the JSON or KEY=VALUE file named by
    GATEWAY_CCXT_SECRETS_FILE (keys `apiKey`/`secret` or the two variable names)."""
    key, secret = env.get("GATEWAY_CCXT_API_KEY", ""), env.get("GATEWAY_CCXT_SECRET", "")
    path = env.get("GATEWAY_CCXT_SECRETS_FILE")
    if (not key or not secret) and path:
        values = _read_secrets_file(Path(path))
        key = key or values.get("apiKey") or values.get("GATEWAY_CCXT_API_KEY", "")
        secret = secret or values.get("secret") or values.get("GATEWAY_CCXT_SECRET", "")
    return Secret(key), Secret(secret)


def _read_secrets_file(path: Path, name: str = "GATEWAY_CCXT_SECRETS_FILE") -> dict[str, str]:
    try:
        text = path.read_text()
    except OSError as exc:
        # The message names the file, never its content.
        raise ValueError(f"cannot read {name} {path}: {exc.strerror}; "
                         "check the path and its permissions") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"{path} is not valid JSON; expected "
                             '{"apiKey": "...", "secret": "..."}') from None
        return {str(k): str(v) for k, v in data.items()}
    values = {}
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and not name.startswith("#"):
            values[name.strip()] = value.strip().strip("'\"")
    return values



# ccxt logs every request's headers at DEBUG, the API key among them.
_CCXT_LOGGERS = ("ccxt.base.exchange", "ccxt.async_support.base.exchange")


class _Redact(logging.Filter):
    def __init__(self, values: tuple[str, ...]) -> None:
        super().__init__()
        self.values = values

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(v in message for v in self.values):
            for v in self.values:
                message = message.replace(v, "***")
            record.msg, record.args = message, None
        return True


def redact_logs(*values: str) -> None:
    """Blank these values out of every record ccxt's loggers emit, whatever the log level."""
    values = tuple(v for v in values if v)
    if not values:
        return
    for name in _CCXT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Redact) and f.values == values for f in logger.filters):
            logger.addFilter(_Redact(values))
