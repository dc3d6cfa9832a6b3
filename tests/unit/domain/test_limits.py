"""limits.parse_limits: exact decimals, unknown keys refused, every problem reported."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from pydantic import ValidationError

from gateway.domain.limits import Limits, LimitsError, parse_limits

from .support import REPO_LIMITS

D = Decimal


def limits_text(
    *,
    ttl: str = "120",
    notional: str = '"25000"',
    symbol: str = "BTC/USDT",
    max_position: str = '"0.5"',
    extra_top: str = "",
    extra_symbol: str = "",
) -> str:
    return (
        "quote_currency: USDT\n"
        f"approval_ttl_seconds: {ttl}\n"
        f"max_order_notional: {notional}\n"
        f"{extra_top}"
        "symbols:\n"
        f"  {symbol}:\n"
        f"    max_position: {max_position}\n"
        f"{extra_symbol}"
    )


def problems_of(text: str) -> list[tuple[str, object, str]]:
    with pytest.raises(LimitsError) as excinfo:
        parse_limits(text)
    return excinfo.value.problems


# --- the file that ships -----------------------------------------------------------------


def test_the_repo_limits_file_parses_with_the_documented_values() -> None:
    # Act
    parsed, version = parse_limits(REPO_LIMITS.read_text(), str(REPO_LIMITS))

    # Assert
    assert parsed.quote_currency == "USDT"
    assert parsed.approval_ttl_seconds == 120
    assert parsed.max_order_notional == D("25000")
    assert len(parsed.symbols) == 20 and {"BTC/USDT", "ETH/USDT", "SOL/USDT"} <= set(
        parsed.symbols)
    assert parsed.order_types == ["limit"]
    assert parsed.daily_loss_limit == D("5000")
    assert parsed.throttle.max_proposals_per_producer == 600
    assert parsed.symbols["BTC/USDT"].max_position == D("0.5")
    assert parsed.symbols["BTC/USDT"].max_order_notional == D("20000")
    assert parsed.symbols["ETH/USDT"].max_position == D("8")
    assert parsed.symbols["ETH/USDT"].max_order_notional is None
    assert parsed.symbols["SOL/USDT"].max_position == D("150")
    assert re.fullmatch(r"[0-9a-f]{12}", version)


def test_parsed_limits_are_frozen() -> None:
    parsed, _ = parse_limits(limits_text())

    with pytest.raises(ValidationError):
        parsed.max_order_notional = D("1")


# --- exact decimals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_value", "expected"),
    [
        ("0.1", "0.1"),
        ("0.3", "0.3"),
        ("1234.5678", "1234.5678"),
        ("0.000000000000000001", "0.000000000000000001"),
        ("12345678901234567.1", "12345678901234567.1"),  # more digits than a float holds
        ("1_000.5", "1000.5"),  # YAML 1.1 float grouping
        ('"0.1"', "0.1"),
        ("7", "7"),
        ('"7"', "7"),
    ],
)
def test_yaml_numbers_become_exact_decimals_never_floats(yaml_value: str, expected: str) -> None:
    # Act
    parsed, _ = parse_limits(limits_text(max_position=yaml_value))

    # Assert
    value = parsed.symbols["BTC/USDT"].max_position
    assert isinstance(value, Decimal)
    assert value == D(expected)
    assert format(value, "f") == expected  # same digits, same exponent


def test_a_yaml_float_is_not_rounded_through_binary() -> None:
    parsed, _ = parse_limits(limits_text(max_position="0.1"))

    assert parsed.symbols["BTC/USDT"].max_position != D(0.1)  # the binary float's value
    assert parsed.symbols["BTC/USDT"].max_position == D("0.1")


# --- unknown keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (limits_text(extra_top="max_notional: 5\n"), "max_notional"),
        (limits_text(extra_top="Max_Order_Notional: 5\n"), "Max_Order_Notional"),
        (limits_text(extra_symbol="    max_positon: 1\n"), "symbols.BTC/USDT.max_positon"),
        (limits_text(extra_symbol="    leverage: 10\n"), "symbols.BTC/USDT.leverage"),
    ],
)
def test_unknown_keys_are_refused_naming_the_key(text: str, key: str) -> None:
    # Act
    problems = problems_of(text)

    # Assert
    assert [(k, rule) for k, _, rule in problems] == [(key, "Extra inputs are not permitted")]


# --- bad values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "value", "rule"),
    [
        pytest.param(
            limits_text(max_position="-1"),
            "symbols.BTC/USDT.max_position",
            -1,
            "greater than 0",
            id="negative-max-position",
        ),
        pytest.param(
            limits_text(max_position='"-0.5"'),
            "symbols.BTC/USDT.max_position",
            "-0.5",
            "greater than 0",
            id="negative-max-position-text",
        ),
        pytest.param(
            limits_text(max_position="0"),
            "symbols.BTC/USDT.max_position",
            0,
            "greater than 0",
            id="zero-max-position",
        ),
        pytest.param(
            limits_text(ttl="0"),
            "approval_ttl_seconds",
            0,
            "greater than 0",
            id="zero-ttl",
        ),
        pytest.param(
            limits_text(ttl="-5"),
            "approval_ttl_seconds",
            -5,
            "greater than 0",
            id="negative-ttl",
        ),
        pytest.param(
            limits_text(ttl="86401"),
            "approval_ttl_seconds",
            86401,
            "less than or equal to 86400",
            id="ttl-over-a-day",
        ),
        pytest.param(
            limits_text(notional='"-25000"'),
            "max_order_notional",
            "-25000",
            "greater than 0",
            id="negative-notional",
        ),
        pytest.param(
            limits_text(notional='"1e5"'),
            "max_order_notional",
            "1e5",
            "no exponent",
            id="exponent-text",
        ),
        pytest.param(
            limits_text(notional='"lots"'),
            "max_order_notional",
            "lots",
            "not a plain decimal",
            id="word",
        ),
        pytest.param(
            limits_text(max_position="true"),
            "symbols.BTC/USDT.max_position",
            True,
            "boolean",
            id="boolean-amount",
        ),
        pytest.param(
            limits_text(notional=".inf"),
            "max_order_notional",
            ".inf",
            "not a plain decimal",
            id="yaml-infinity",
        ),
        pytest.param(
            limits_text(max_position=".nan"),
            "symbols.BTC/USDT.max_position",
            ".nan",
            "not a plain decimal",
            id="yaml-nan",
        ),
        pytest.param(
            limits_text().replace("quote_currency: USDT", "quote_currency: usdt"),
            "quote_currency",
            "usdt",
            "pattern",
            id="lower-case-quote-currency",
        ),
    ],
)
def test_bad_values_are_refused_naming_key_value_and_rule(
    text: str, key: str, value: object, rule: str
) -> None:
    # Act
    problems = problems_of(text)

    # Assert
    assert len(problems) == 1
    got_key, got_value, got_rule = problems[0]
    assert got_key == key
    assert got_value == value
    assert rule in got_rule


def test_a_missing_required_key_is_reported_by_name() -> None:
    text = limits_text().replace('max_order_notional: "25000"\n', "")

    problems = problems_of(text)

    assert [(k, rule) for k, _, rule in problems] == [("max_order_notional", "Field required")]


def test_an_empty_symbol_allowlist_is_refused() -> None:
    text = "max_order_notional: 1\nsymbols: {}\n"

    problems = problems_of(text)

    assert [k for k, _, _ in problems] == ["symbols"]


@pytest.mark.parametrize(
    ("yaml_key", "symbol"),
    [
        pytest.param("btc/usdt", "btc/usdt", id="lower-case"),
        pytest.param("Btc/Usdt", "Btc/Usdt", id="mixed-case"),
        pytest.param("BTC-USDT", "BTC-USDT", id="dash"),
        pytest.param("BTCUSDT", "BTCUSDT", id="no-separator"),
        pytest.param("BTC/USDT/X", "BTC/USDT/X", id="three-parts"),
        pytest.param("B/USDT", "B/USDT", id="one-letter-base"),
        pytest.param('"BTC/USDT "', "BTC/USDT ", id="trailing-space"),
        pytest.param('" BTC/USDT"', " BTC/USDT", id="leading-space"),
        pytest.param('"BTC/USDT\\n"', "BTC/USDT\n", id="trailing-newline"),
        pytest.param("\u0412\u0422\u0421/USDT", "\u0412\u0422\u0421/USDT", id="cyrillic-lookalike"),
        pytest.param("BTC\uff0fUSDT", "BTC\uff0fUSDT", id="fullwidth-slash"),
    ],
)
def test_non_canonical_symbols_are_refused_naming_the_symbol(yaml_key: str, symbol: str) -> None:
    # Act
    problems = problems_of(limits_text(symbol=yaml_key))

    # Assert
    assert len(problems) == 1
    key, value, rule = problems[0]
    assert key.startswith("symbols.")
    assert value == symbol
    assert "not canonical" in rule
    assert repr(symbol) in rule


# --- the file as a whole -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "symbols: [unclosed\n",
        "max_order_notional: 1\n  symbols: x\n - y\n",
        "a: b: c\n",
        "\t- tab\n",
    ],
)
def test_invalid_yaml_is_refused_as_a_file_problem(text: str) -> None:
    # Act
    problems = problems_of(text)

    # Assert
    assert len(problems) == 1
    key, _, rule = problems[0]
    assert key == "(file)"
    assert rule.startswith("not valid YAML")


@pytest.mark.parametrize(
    ("text", "type_name"),
    [("- a\n- b\n", "list"), ("42\n", "int"), ('"just text"\n', "str"), ("", "NoneType")],
)
def test_a_file_that_is_not_a_mapping_is_refused(text: str, type_name: str) -> None:
    problems = problems_of(text)

    assert problems == [("(file)", type_name, "must be a mapping of keys")]


def test_the_version_is_stable_for_the_same_text() -> None:
    text = REPO_LIMITS.read_text()

    _, first = parse_limits(text)
    _, second = parse_limits(text)

    assert first == second


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace('max_position: "0.5"', 'max_position: "0.4"'),
        lambda t: t + "\n",
        lambda t: "# a comment\n" + t,
    ],
    ids=["value", "trailing-newline", "comment"],
)
def test_the_version_changes_when_the_text_changes(edit: object) -> None:
    text = limits_text()
    changed = edit(text)  # type: ignore[operator]
    assert changed != text

    _, before = parse_limits(text)
    _, after = parse_limits(changed)

    assert before != after


def test_limits_error_lists_every_problem_not_just_the_first() -> None:
    # Arrange: six independent mistakes in one file.
    text = (
        "quote_currency: USDT\n"
        "approval_ttl_seconds: 0\n"
        'max_order_notional: "-1"\n'
        "max_notional: 5\n"
        "symbols:\n"
        "  btc/usdt:\n"
        "    max_position: 1\n"
        "  BTC-USDT:\n"
        "    max_position: 1\n"
        "  ETH/USDT:\n"
        "    max_position: -8\n"
    )

    # Act
    with pytest.raises(LimitsError) as excinfo:
        parse_limits(text, source="desk/limits.yaml")

    # Assert
    keys = {key for key, _, _ in excinfo.value.problems}
    assert keys == {
        "approval_ttl_seconds",
        "max_order_notional",
        "max_notional",
        "symbols.btc/usdt.[key]",
        "symbols.BTC-USDT.[key]",
        "symbols.ETH/USDT.max_position",
    }
    message = str(excinfo.value)
    assert message.startswith("desk/limits.yaml: 6 problem(s)")
    for key in keys:
        assert key in message


def test_limits_error_is_a_value_error_carrying_its_source() -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_limits("[]", source="other.yaml")

    assert isinstance(excinfo.value, LimitsError)
    assert excinfo.value.source == "other.yaml"


# --- regressions: each of these once slipped through the loader --------------------------


def test_duplicate_keys_are_refused() -> None:
    text = (
        "max_order_notional: 1\n"
        "symbols:\n"
        "  BTC/USDT: {max_position: 1}\n"
        "  BTC/USDT: {max_position: 100}\n"
    )

    with pytest.raises(LimitsError):
        parse_limits(text)


def test_a_boolean_ttl_is_refused() -> None:
    with pytest.raises(LimitsError):
        parse_limits(limits_text(ttl="true"))


def test_limits_model_and_yaml_agree_on_a_plain_mapping() -> None:
    parsed, _ = parse_limits(limits_text())

    assert parsed == Limits.model_validate(
        {
            "quote_currency": "USDT",
            "approval_ttl_seconds": 120,
            "max_order_notional": "25000",
            "symbols": {"BTC/USDT": {"max_position": "0.5"}},
        }
    )
