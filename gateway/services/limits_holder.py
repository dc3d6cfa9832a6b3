"""The limits in force, swapped atomically on reload; an invalid file keeps the old ones."""

from __future__ import annotations

import threading
from pathlib import Path

from gateway.domain.limits import Limits, parse_limits


class LimitsHolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._current = self._load()

    def _load(self) -> tuple[Limits, str]:
        return parse_limits(self.path.read_text(encoding="utf-8"), str(self.path))

    def current(self) -> tuple[Limits, str]:
        return self._current

    def reload(self) -> tuple[Limits, str]:
        """Raise LimitsError (and keep the old limits) when the new file is invalid."""
        loaded = self._load()
        with self._lock:
            self._current = loaded
        return loaded
