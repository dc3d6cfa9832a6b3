"""The hedge `gateway halt` and `gateway status` share: the API's answer when it comes in
time, the database's when it does not (or the API fails), the server's refusal as it is."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from gateway.cli.hedge import BothFailed, hedged


class Refused(Exception):
    pass


def _refused(exc: Exception) -> bool:
    return isinstance(exc, Refused)


@pytest.fixture
def hung() -> Iterator[threading.Event]:
    release = threading.Event()
    yield release
    release.set()  # let the abandoned thread end


def test_an_api_that_answers_is_taken_and_the_database_is_not_asked() -> None:
    asked = []
    assert hedged(lambda: "from api", lambda: asked.append(1) or "db", 60, _refused) == (
        "from api", "api")
    assert asked == []


def test_a_hung_api_is_hedged_by_the_database(hung: threading.Event) -> None:
    def api() -> str:
        hung.wait(600)
        return "late"

    assert hedged(api, lambda: "from db", 0.01, _refused) == ("from db", "database")


def test_an_api_that_fails_goes_to_the_database_at_once() -> None:
    def api() -> str:
        raise ConnectionError("refused")

    # A hedge delay far past the test's patience: only the failure starts the database.
    assert hedged(api, lambda: "from db", 600, _refused) == ("from db", "database")


def test_a_refusal_from_the_server_is_raised_not_bypassed() -> None:
    def api() -> str:
        raise Refused("403 only operators")

    asked = []
    with pytest.raises(Refused, match="403"):
        hedged(api, lambda: asked.append(1) or "db", 600, _refused)
    assert asked == []


def test_when_both_fail_each_failure_is_given(hung: threading.Event) -> None:
    def api() -> str:
        raise ConnectionError("refused")

    def database() -> str:
        raise LookupError("no gateway database")

    with pytest.raises(BothFailed) as info:
        hedged(api, database, 600, _refused)
    assert isinstance(info.value.api, ConnectionError)
    assert isinstance(info.value.database, LookupError)


def test_a_refusal_after_the_database_also_failed_is_the_one_raised(
        hung: threading.Event) -> None:
    def api() -> str:
        hung.wait(600)
        raise Refused("401 expired")

    def database() -> str:
        hung.set()  # the API answers only once the database has been tried
        raise LookupError("no gateway database")

    with pytest.raises(Refused, match="401"):
        hedged(api, database, 0.01, _refused)
