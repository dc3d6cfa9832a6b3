"""money.parse_decimal: decimal text and ints in, everything else refused; fmt: no exponent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.money import AmountError, fmt, parse_decimal

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", D("0")),
        ("0.015", D("0.015")),
        ("-2.5", D("-2.5")),
        ("30000", D("30000")),
        ("0.000000000000000001", D("0.000000000000000001")),  # 18 fractional digits
        ("99999999999999999999", D("99999999999999999999")),  # 20 integer digits
        ("99999999999999999999.999999999999999999", D("99999999999999999999.999999999999999999")),
        (0, D(0)),
        (7, D(7)),
        (-3, D(-3)),
        (D("1.50"), D("1.50")),
    ],
)
def test_parse_decimal_accepts_plain_decimal_text_ints_and_finite_decimals(
    value: object, expected: Decimal
) -> None:
    # Act
    parsed = parse_decimal(value)

    # Assert
    assert parsed == expected
    assert isinstance(parsed, Decimal)


def test_parse_decimal_keeps_the_exact_digits_of_the_text() -> None:
    assert parse_decimal("0.1") + parse_decimal("0.2") == D("0.3")
    assert str(parse_decimal("0.0100")) == "0.0100"


def test_parse_decimal_trims_surrounding_whitespace() -> None:
    assert parse_decimal("  1.25\n") == D("1.25")


@pytest.mark.parametrize("value", [0.1, 1.0, 0.0, -2.5, float("nan"), float("inf")])
def test_parse_decimal_refuses_floats_and_says_to_send_a_string(value: float) -> None:
    with pytest.raises(AmountError, match="decimal string") as excinfo:
        parse_decimal(value)

    assert '"0.015"' in str(excinfo.value)
    assert "float" in str(excinfo.value)


@pytest.mark.parametrize("value", [True, False])
def test_parse_decimal_refuses_booleans_even_though_bool_is_an_int(value: bool) -> None:
    with pytest.raises(AmountError, match="boolean"):
        parse_decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("NaN", id="NaN"),
        pytest.param("nan", id="nan"),
        pytest.param("sNaN", id="sNaN"),
        pytest.param("Infinity", id="Infinity"),
        pytest.param("-Infinity", id="-Infinity"),
        pytest.param("inf", id="inf"),
        pytest.param(D("NaN"), id="Decimal-NaN"),
        pytest.param(D("Infinity"), id="Decimal-Infinity"),
        pytest.param(D("-Infinity"), id="Decimal--Infinity"),
    ],
)
def test_parse_decimal_refuses_nan_and_infinity(value: object) -> None:
    with pytest.raises(AmountError):
        parse_decimal(value)


@pytest.mark.parametrize("value", ["1e5", "1E5", "1.5e-3", "2E+2", "1e0"])
def test_parse_decimal_refuses_exponent_notation(value: str) -> None:
    with pytest.raises(AmountError, match="no exponent"):
        parse_decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("100000000000000000000", id="21-integer-digits"),
        pytest.param("0.0000000000000000001", id="19-fractional-digits"),
        pytest.param("1" * 400, id="400-digits"),
    ],
)
def test_parse_decimal_refuses_too_many_digits(value: str) -> None:
    with pytest.raises(AmountError, match="not a plain decimal"):
        parse_decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="spaces"),
        pytest.param("\t\n", id="tab-newline"),
        pytest.param("-", id="lone-minus"),
        pytest.param("+1", id="plus-sign"),
        pytest.param("01", id="leading-zero"),
        pytest.param(".5", id="no-integer-part"),
        pytest.param("1.", id="no-fraction-digits"),
        pytest.param("1,000", id="thousands-comma"),
        pytest.param("1_000", id="underscore-grouping"),
        pytest.param("0x10", id="hex"),
        pytest.param("1 000", id="inner-space"),
        pytest.param("1.5\n2", id="two-lines"),
    ],
)
def test_parse_decimal_refuses_text_that_is_not_a_plain_decimal(value: str) -> None:
    with pytest.raises(AmountError):
        parse_decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("\u0661", id="arabic-indic-one"),
        pytest.param("1\u0661", id="ascii-then-arabic-indic"),  # Decimal() reads this as 11
        pytest.param("0.\u0665", id="arabic-indic-fraction"),
        pytest.param("\u0967\u0966", id="devanagari-ten"),
        pytest.param("\uff11", id="fullwidth-one"),
        pytest.param("5\uff10", id="ascii-then-fullwidth"),
    ],
)
def test_parse_decimal_refuses_non_ascii_digits(value: str) -> None:
    with pytest.raises(AmountError):
        parse_decimal(value)


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(None, "NoneType"), ([], "list"), (["1"], "list"), ({}, "dict"), (b"1", "bytes")],
)
def test_parse_decimal_refuses_other_types_naming_the_type(value: object, type_name: str) -> None:
    with pytest.raises(AmountError, match=type_name):
        parse_decimal(value)


def test_amount_error_is_a_value_error_so_validators_report_it() -> None:
    assert issubclass(AmountError, ValueError)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1E+5"), "100000"),
        (D("4E+3"), "4000"),
        (D("0.0100"), "0.01"),
        (D("1.23E-7"), "0.000000123"),
        (D("0E-8"), "0"),
        (D("-0"), "0"),
        (D("-2.50"), "-2.5"),
        (D("30000"), "30000"),
        (None, "-"),
    ],
)
def test_fmt_renders_without_exponent_or_trailing_zeros(value: Decimal | None, text: str) -> None:
    assert fmt(value) == text


finite_amounts = st.decimals(
    min_value=D("-99999999999999999999"),
    max_value=D("99999999999999999999"),
    places=18,
    allow_nan=False,
    allow_infinity=False,
)


@settings(max_examples=100, deadline=None)
@given(finite_amounts)
def test_fmt_output_parses_back_to_the_same_value(value: Decimal) -> None:
    # Act
    text = fmt(value)

    # Assert
    assert "e" not in text.lower()
    assert parse_decimal(text) == value
