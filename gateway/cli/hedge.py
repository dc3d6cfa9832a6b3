"""Ask the API server; if it has not answered within a moment, also go to the database.

`gateway halt` and `gateway status` must work with the server hung or saturated, not only
down: a hung server never answers, and waiting out the API timeout would take seconds. The
standard library only: these commands load nothing heavy before their first request.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class BothFailed(Exception):
    """Neither path gave an answer; each one's failure, for the caller to word."""

    def __init__(self, api: Exception, database: Exception) -> None:
        super().__init__(f"{api}; {database}")
        self.api = api
        self.database = database


def hedged(api: Callable[[], T], database: Callable[[], T], after_s: float,
           refused: Callable[[Exception], bool]) -> tuple[T, str]:
    """(the first answer, "api" or "database"). The database path starts when the API has
    failed, or has not answered within `after_s`; from then on whichever answers first wins
    (both may run to the end: callers make that harmless). An API failure for which
    `refused` is true (the server answered and said no) is raised as it is: a refusal is
    not a reason to bypass the server. Daemon threads, so a hung server never keeps the
    command from exiting."""
    results: queue.Queue[tuple[str, T | Exception]] = queue.Queue()

    def attempt(via: str, fn: Callable[[], T]) -> None:
        try:
            results.put((via, fn()))
        except Exception as exc:  # reported below, with the other path's outcome
            results.put((via, exc))

    threading.Thread(target=attempt, args=("api", api), daemon=True).start()
    failures: dict[str, Exception] = {}
    try:
        via, outcome = results.get(timeout=after_s)
    except queue.Empty:
        pass
    else:
        if not isinstance(outcome, Exception):
            return outcome, via
        if refused(outcome):
            raise outcome
        failures[via] = outcome
    threading.Thread(target=attempt, args=("database", database), daemon=True).start()
    while len(failures) < 2:
        via, outcome = results.get()
        if not isinstance(outcome, Exception):
            return outcome, via
        failures[via] = outcome
    if refused(failures["api"]):
        raise failures["api"]
    raise BothFailed(failures["api"], failures["database"])
