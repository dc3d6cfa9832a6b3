"""Many rows into one table in one statement: `INSERT ... VALUES (...), (...), ...`.

The group-commit writer inserts a batch's orders, audit records and nonces at the end of its
transaction. Through SQLAlchemy's executemany each row is a separate step of the driver, and
on SQLite every step lets go of the GIL, which the writer must then win back from the event
loop: dozens of waits per batch. One statement per table is one step. The SQL is built once
per row count; values go through each column's own bind processor (as SQLAlchemy would
apply them), so Decimal and datetime columns are stored exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Table

Processor = Callable[[Any], Any]
Prepared = tuple[str, str, list[Processor | None]]  # INSERT ... VALUES, one row's group, binds

# Well under SQLite's (32,766) and PostgreSQL's (65,535) bound parameters per statement.
MAX_PARAMETERS = 30_000


class BulkInsert:
    """Like `conn.execute(insert(table), rows)`: the columns are the first row's keys (a
    column no row names gets its default), and every row must name the same ones."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._prepared: dict[tuple[str, tuple[str, ...]], Prepared] = {}
        self._sql: dict[tuple[str, tuple[str, ...], int], str] = {}

    def _prepare(self, dialect: Dialect, names: tuple[str, ...]) -> Prepared:
        prepared = self._prepared.get((dialect.name, names))
        if prepared is None:
            columns = [self.table.c[name] for name in names]  # KeyError: not a column
            quote = dialect.identifier_preparer.quote
            head = (f"INSERT INTO {dialect.identifier_preparer.format_table(self.table)} "
                    f"({', '.join(quote(name) for name in names)}) VALUES ")
            mark = "?" if dialect.paramstyle == "qmark" else "%s"
            group = "(" + ", ".join([mark] * len(names)) + ")"
            processors: list[Processor | None] = [
                c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
            prepared = (head, group, processors)
            self._prepared[(dialect.name, names)] = prepared
        return prepared

    def execute(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        names = tuple(rows[0])
        head, group, processors = self._prepare(conn.dialect, names)
        per = max(1, MAX_PARAMETERS // len(names))
        pairs = list(zip(names, processors, strict=True))
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            if any(len(row) != len(names) for row in chunk):
                raise KeyError(f"every row inserted into {self.table.name} must name the same "
                               f"columns: {', '.join(names)}")
            key = (conn.dialect.name, names, len(chunk))
            sql = self._sql.get(key)
            if sql is None:
                sql = self._sql[key] = head + ", ".join([group] * len(chunk))
            params = [value if (value := row[name]) is None or proc is None else proc(value)
                      for row in chunk for name, proc in pairs]
            conn.exec_driver_sql(sql, tuple(params))
