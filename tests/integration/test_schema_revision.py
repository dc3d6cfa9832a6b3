"""`gateway serve` refuses a database at an older or unknown revision, naming what fixes it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import SchemaOutOfDate, ensure_current, upgrade


def _at(database_url: str, revision: str) -> Engine:
    engine = make_engine(database_url)
    if revision == "9999":
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    else:
        upgrade(engine, revision)
    return engine


def test_an_older_revision_is_refused_with_the_upgrade_command(database_url: str) -> None:
    engine = _at(database_url, "0001")
    with pytest.raises(SchemaOutOfDate, match="run `gateway db upgrade`"):
        ensure_current(engine)
    upgrade(engine)
    ensure_current(engine)  # and after the upgrade it starts
    engine.dispose()


def test_an_unknown_newer_revision_is_refused_without_suggesting_a_downgrade(
        database_url: str) -> None:
    engine = _at(database_url, "9999")
    with pytest.raises(SchemaOutOfDate, match="does not know") as info:
        ensure_current(engine)
    assert "newer gateway" in str(info.value)
    engine.dispose()
