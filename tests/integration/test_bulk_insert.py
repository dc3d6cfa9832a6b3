"""Rows written in one multi-row INSERT read back exactly as SQLAlchemy's own insert writes
them: exact decimals, aware datetimes, NULLs, quotes and non-ASCII text, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select

from gateway.adapters.store import bulk
from gateway.adapters.store.bulk import BulkInsert
from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.tables import fills

T0 = datetime(2026, 11, 22, 6, 23, 0, 123456, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    ensure_current(engine)
    yield engine
    engine.dispose()


def rows(n: int, first: int = 0) -> list[dict[str, Any]]:
    return [{"id": first + i, "order_id": f"ord_'{i}\"é", "ts": T0 + timedelta(seconds=i),
             "symbol": "BTC/USDT", "side": "buy" if i % 2 else "sell",
             "quantity": Decimal(f"12345678901234567890.12345678901234567{i % 10}"),
             "price": Decimal("95000.000000000000000001"), "fee": Decimal(0)}
            for i in range(n)]


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(fills).order_by(fills.c.id))]


def test_bulk_rows_read_back_exactly_as_sqlalchemy_writes_them(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(fills), rows(5))
    expected = stored(engine)
    with engine.begin() as conn:
        conn.execute(delete(fills))
        BulkInsert(fills).execute(conn, rows(5))
    assert stored(engine) == expected
    # 37 significant digits survive the round trip (reading used to round them to 28).
    assert expected[0][4:6] == ("sell", Decimal("12345678901234567890.12345678901234567"))


def test_more_rows_than_one_statement_takes_are_all_written(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MAX_PARAMETERS", 3 * len(fills.columns))  # 3 rows a statement
    with engine.begin() as conn:
        BulkInsert(fills).execute(conn, rows(10))
    assert [r[0] for r in stored(engine)] == list(range(10))


def test_rows_that_name_different_columns_are_refused(engine: Engine) -> None:
    first, second = rows(2)
    del second["fee"]
    with pytest.raises(KeyError), engine.begin() as conn:
        BulkInsert(fills).execute(conn, [first, second])
    assert stored(engine) == []


def test_a_column_no_row_names_gets_its_default(engine: Engine) -> None:
    with engine.begin() as conn:
        BulkInsert(fills).execute(conn, [{k: v for k, v in r.items() if k != "id"}
                                         for r in rows(3)])  # id: autoincrement
    assert [r[0] for r in stored(engine)] == [1, 2, 3]
