"""Schema migrations (Alembic), driven from code so no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> None:
    cfg = _config()
    with engine.connect() as conn:
        # Alembic manages its own transaction; use a plain deferred BEGIN on SQLite.
        conn = conn.execution_options(sqlite_begin="DEFERRED")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
        conn.commit()


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except Exception:  # alembic raises for ids it cannot resolve
        return False


class SchemaOutOfDate(RuntimeError):
    pass


def ensure_current(engine: Engine, auto_create: bool = True) -> None:
    """Create a fresh database; refuse one at an older or unknown revision."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None and auto_create:
        upgrade(engine)
        return
    if current is not None and not _known(current):
        raise SchemaOutOfDate(
            f"database schema is at revision {current}, which this gateway does not know (it "
            f"needs {head}): a newer gateway upgraded it; run that version (or newer), "
            "never `gateway db upgrade` from this older one")
    raise SchemaOutOfDate(
        f"database schema is at revision {current or 'none'}, this gateway needs {head}: "
        "run `gateway db upgrade` (take a backup first)"
    )
