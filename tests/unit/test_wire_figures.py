"""Figures the gateway computes can carry more digits than any input may; clients (the SDK,
the desk, the CLI) must read them back exactly instead of refusing them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from gateway.api.schemas import PositionOut, ProposalIn

LONG = "3078.15000000000000000116442"  # an average cost: a quotient, 26 fractional digits


def test_a_long_computed_average_round_trips_through_the_response_model() -> None:
    out = PositionOut(symbol="ETH/USDT", quantity=Decimal("0.1969"),
                      average_price=Decimal(LONG), realized_pnl=Decimal("-4.2"),
                      mark_price=None, unrealized_pnl=None)
    back = PositionOut.model_validate_json(out.model_dump_json())
    assert back.average_price == Decimal(LONG)


def test_inputs_still_refuse_more_than_eighteen_fractional_digits() -> None:
    with pytest.raises(ValidationError):
        ProposalIn.model_validate_json(
            '{"symbol":"ETH/USDT","side":"buy","quantity":"1","limit_price":"' + LONG + '"}')


def test_response_models_refuse_floats_too() -> None:
    with pytest.raises(ValidationError):
        PositionOut.model_validate_json(
            '{"symbol":"X/Y","quantity":0.1,"average_price":null,"realized_pnl":"0",'
            '"mark_price":null,"unrealized_pnl":null}')
