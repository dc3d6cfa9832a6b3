"""Webhook delivery: signed POSTs to the configured URLs, fed from the outbox."""

from .sender import WebhookSender
from .signing import SIGNATURE_HEADER, sign, verify

__all__ = ["SIGNATURE_HEADER", "WebhookSender", "sign", "verify"]
