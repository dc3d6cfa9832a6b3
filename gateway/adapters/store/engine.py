"""Engines for SQLite (embedded default) and PostgreSQL (several processes on one database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_transactions(engine)
        return _plain_savepoints(engine)
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(False))
    return _plain_savepoints(create_engine(url, pool_size=10, max_overflow=10,
                                           pool_pre_ping=True))


def _plain_savepoints(engine: Engine) -> Engine:
    """Savepoints as plain SQL text. SQLAlchemy's savepoint constructs have no cache key, so
    each one was compiled afresh: about 0.15 ms per statement on these machines, twice for
    every job that writes directly (its savepoint and its release), under the write lock.
    The names are SQLAlchemy's own (`sa_savepoint_N`): nothing to quote."""
    def savepoint(conn: Any, name: str) -> None:
        conn.exec_driver_sql(f"SAVEPOINT {name}")

    def release(conn: Any, name: str) -> None:
        conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")

    def rollback_to(conn: Any, name: str) -> None:
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")

    dialect: Any = engine.dialect
    dialect.do_savepoint, dialect.do_release_savepoint = savepoint, release
    dialect.do_rollback_to_savepoint = rollback_to
    return engine


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take control so
    # every write transaction starts with BEGIN IMMEDIATE (the database-wide write lock).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
