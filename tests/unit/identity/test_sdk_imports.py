"""The SDK imports with only httpx, pydantic and cryptography (it signs with Ed25519) beyond
the standard library."""

from __future__ import annotations

import subprocess
import sys

BLOCK = """
import importlib.abc, sys
SERVER_ONLY = {"fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "yaml", "textual",
               "psycopg", "ccxt"}
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in SERVER_ONLY:
            raise ImportError(f"the SDK must not import {name}")
sys.meta_path.insert(0, Refuse())
import gateway.sdk
from gateway.sdk import GatewayClient, AsyncGatewayClient, LimitRejected
print("ok")
"""


def test_the_sdk_imports_without_any_server_dependency() -> None:
    done = subprocess.run([sys.executable, "-c", BLOCK], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
