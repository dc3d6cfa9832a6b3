from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.settings import Settings


class CliError(Exception):
    """A failure the user can act on: printed as one line, exit code 1 (or `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def emit(as_json: bool, data: Any, human: str) -> None:
    if as_json:
        json.dump(data, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(human)


def settings() -> Settings:
    """The settings in force (gateway.toml, then the environment), or a one-line error."""
    from gateway.config import ConfigError
    from gateway.settings import load_settings

    try:
        return load_settings()
    except (ConfigError, ValueError) as exc:
        raise CliError(f"invalid configuration: {exc}") from exc
