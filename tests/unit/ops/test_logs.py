"""Logs: JSON lines off a terminal, readable text on one; one line per decision naming the
order, producer and operator; never a credential, signature or configured secret."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

from gateway.adapters.store.audit import GENESIS, AuditAppender, Head
from gateway.logs import make_handler, redact
from gateway.observability.decisions import line
from gateway.observability.records import events

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _rows() -> list[dict[str, object]]:
    audit = AuditAppender(Head(0, GENESIS))
    audit.append(NOW, "order.proposed", "producer:momentum", order_id="ord_1",
                 payload={"checks": [{"name": "max_position", "passed": True}]})
    audit.append(NOW, "order.queued", "system:intake", order_id="ord_1")
    audit.append(NOW, "order.proposed", "producer:momentum", order_id="ord_2")
    audit.append(NOW, "order.rejected", "system:limits", order_id="ord_2",
                 reason="max_position: too big",
                 payload={"producer": "momentum", "failed": ["max_position"]})
    audit.append(NOW, "order.approved", "operator:tina", order_id="ord_1",
                 payload={"from": "pending_approval", "producer": "momentum"})
    audit.append(NOW, "order.fill", "system:executor", order_id="ord_1")
    audit.append(NOW, "halt.set", "operator:rita", reason="venue outage")
    return audit.rows


def _logged(fmt: str, tty: bool) -> list[str]:
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    stream = Stream()
    logger = logging.getLogger("test.ops.logs")
    logger.handlers[:] = [make_handler(fmt, stream)]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    for event in events(_rows()):
        level, message, fields = line(event)
        logger.log(level, message, extra={"fields": fields})
    logger.info("caller sent Authorization: Bearer gwo_abcdefghijklmnopqrstuvwxyz012345")
    logger.info("credential gwk_0123456789abcdef.Zm9vYmFyYmF6cXV4cXV1eHF1dXg and "
                "X-GW-Signature: %s", "ab" * 32)
    redact("webhook-secret-value")
    logger.warning("config mentions webhook-secret-value")
    return stream.getvalue().splitlines()


def test_off_a_terminal_each_decision_is_one_json_line_with_order_producer_and_operator(
) -> None:
    records = [json.loads(text) for text in _logged("auto", tty=False)]
    decisions = {r["event"]: r for r in records if r["logger"] == "test.ops.logs"
                 and "event" in r}
    assert set(decisions) == {"order.queued", "order.rejected", "order.approved", "halt.set"}
    assert decisions["order.queued"]["producer"] == "momentum"
    assert decisions["order.queued"]["order_id"] == "ord_1"
    assert decisions["order.rejected"]["failed_checks"] == ["max_position"]
    approved = decisions["order.approved"]
    assert (approved["producer"], approved["operator"]) == ("momentum", "tina")
    assert decisions["halt.set"]["level"] == "WARNING"
    assert decisions["halt.set"]["reason"] == "venue outage"


def test_on_a_terminal_lines_are_readable_text() -> None:
    lines = _logged("auto", tty=True)
    approved = next(t for t in lines if "order.approved" in t)
    assert not approved.startswith("{")
    assert "order_id=ord_1 producer=momentum operator=tina" in approved


def test_no_credential_signature_or_configured_secret_reaches_a_log_line() -> None:
    for fmt, tty in (("json", False), ("text", True)):
        text = "\n".join(_logged(fmt, tty))
        assert "abcdefghijklmnopqrstuvwxyz012345" not in text
        assert "Zm9vYmFyYmF6cXV4cXV1eHF1dXg" not in text
        assert "ab" * 32 not in text
        assert "webhook-secret-value" not in text
        assert "gwk_0123456789abcdef.***" in text  # the key id stays: it names the producer
