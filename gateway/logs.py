"""Logging: readable on a terminal, JSON lines otherwise. Never a secret in either.

Secrets are kept out at the source (credentials are `Secret` objects; audit bodies and
decision lines carry names and reasons only); as a second line of defence every record is
scrubbed of anything shaped like a gateway credential or a bearer token, and of the values
of the secrets this process holds (`redact`).
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import logging.handlers
import queue
import re
import sys
from datetime import UTC, datetime
from typing import Any

_PATTERNS = (
    (re.compile(r"(gwk_[0-9a-f]{16})\.[A-Za-z0-9_-]{8,}"), r"\1.***"),  # producer credential
    (re.compile(r"gwo_[A-Za-z0-9_-]{8,}"), "gwo_***"),  # operator token
    (re.compile(r"(?i)(bearer\s+)\S+"), r"\1***"),
    (re.compile(r"(?i)(x-gw-signature['\"]?\s*[:=]\s*['\"]?)[0-9a-f]{16,}"), r"\1***"),
)
_values: set[str] = set()


def redact(*values: str) -> None:
    """Blank these values (secrets this process holds) out of every log record."""
    _values.update(v for v in values if v and len(v) >= 4)


def scrub(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    for value in _values:
        if value in text:
            text = text.replace(value, "***")
    return text


class _Scrub(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        data: dict[str, Any] = {"ts": ts, "level": record.levelname,
                                "logger": record.name, "msg": record.getMessage()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update({k: v for k, v in fields.items() if k not in data})
        if record.exc_info:
            data["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(data, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s  %(message)s")

    def formatException(self, ei: Any) -> str:
        return scrub(super().formatException(ei))


def make_handler(fmt: str = "auto", stream: Any = None) -> logging.Handler:
    stream = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    tty = fmt == "text" or (fmt == "auto" and hasattr(stream, "isatty") and stream.isatty())
    handler.setFormatter(TextFormatter() if tty else JsonFormatter())
    handler.addFilter(_Scrub())
    return handler


class _Handoff(logging.handlers.QueueHandler):
    """Hands each record to the logging thread, which formats and writes it: the group-commit
    writer logs a decision line per proposal, and a write to stderr per line lets go of the
    GIL and then waits to get it back, on the path every proposal queues behind."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The message is fixed now (its arguments could change later); the exception stays
        # on the record for the formatter, as with a handler called directly.
        record = copy.copy(record)
        record.msg, record.args = record.getMessage(), None
        return record


_listener: logging.handlers.QueueListener | None = None


def _stop_listener() -> None:
    global _listener
    if _listener is not None:
        _listener.stop()  # writes out whatever is still queued
        _listener = None


def setup_logging(level: int | str = logging.INFO, fmt: str = "auto") -> None:
    """JSON lines unless stderr is a terminal (`fmt`: auto, json or text), written by a
    logging thread (everything queued is written at exit)."""
    global _listener
    _stop_listener()
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    _listener = logging.handlers.QueueListener(records, make_handler(fmt))
    _listener.start()
    root = logging.getLogger()
    root.handlers[:] = [_Handoff(records)]
    root.setLevel(level.upper() if isinstance(level, str) else level)


atexit.register(_stop_listener)
