"""Canonical JSON: sorted keys, no spaces, UTF-8, decimals as exact strings.

It is what the audit chain hashes (docs/AUDIT.md) and how an order's check results are
stored. orjson writes it several times faster than the standard library; a value orjson
refuses (an integer past 64 bits, a non-string key) falls back to `json`, which gives the
same text for everything both accept. `Encoded` embeds text already in this form as is, so a
value that goes into several records (a proposal's check results: the order row, the audit
record, the response) is encoded once.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import orjson

from gateway.domain.money import to_text

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | (
    orjson.OPT_PASSTHROUGH_DATACLASS)


class Encoded:
    """JSON text already in canonical form, to be embedded without re-encoding."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Encoded({self.text!r})"


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return to_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Encoded):
        return orjson.Fragment(value.text)
    raise TypeError(f"cannot put {type(value).__name__} in an audit record")


def _json_default(value: object) -> object:
    if isinstance(value, Encoded):
        return json.loads(value.text)
    return _default(value)


def canonical(obj: object) -> str:
    try:
        return orjson.dumps(obj, default=_default, option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default,
                          ensure_ascii=False)
