"""The `gateway` command: thin shells over the HTTP API (for people) or the store (for admins
on the gateway's host)."""

from __future__ import annotations

from .main import main

__all__ = ["main"]
