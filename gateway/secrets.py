"""Secrets come from the environment or a secrets file, never from gateway.toml.

GATEWAY_SECRETS_FILE names a file of `NAME=value` lines (or a JSON object) holding any of
the secret variables (GATEWAY_WEBHOOK_SECRET, GATEWAY_CCXT_API_KEY, GATEWAY_CCXT_SECRET,
GATEWAY_DATABASE_URL when it carries a password). The environment wins over the file.
Values are wrapped in `Secret`, which never shows itself in a repr, a log or a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from gateway.adapters.ccxt.config import Secret, _read_secrets_file

SECRETS_FILE_ENV = "GATEWAY_SECRETS_FILE"
WEBHOOK_SECRET = "GATEWAY_WEBHOOK_SECRET"
# Said by `gateway serve` (which refuses to start) and by `gateway config check`.
WEBHOOK_SECRET_MISSING = (
    f"webhooks.urls is set but {WEBHOOK_SECRET} is not: set the webhook signing secret in the "
    f"environment or in the file named by {SECRETS_FILE_ENV} (every delivery is signed with "
    "it; `gateway serve` refuses to start without it)")


def file_values(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The secrets file's values (empty without GATEWAY_SECRETS_FILE); names, never values,
    appear in errors."""
    path = env.get(SECRETS_FILE_ENV)
    if not path:
        return {}
    return _read_secrets_file(Path(path), SECRETS_FILE_ENV)


def merged_env(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment with the secrets file's values filled in where it has none."""
    merged = {k: v for k, v in file_values(env).items() if k.startswith("GATEWAY_")}
    merged.update({k: v for k, v in env.items() if v != "" or k not in merged})
    return merged


def secret(name: str, env: Mapping[str, str] = os.environ) -> Secret:
    return Secret(merged_env(env).get(name, ""))
