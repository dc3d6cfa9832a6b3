"""The background sender: claim due notifications, POST each to every URL that has not
taken it yet, retry with doubling back-off, give up after `max_attempts` (logged loudly).

It never touches the order path: proposals, approvals and sends only write outbox rows in
their own transactions; this loop runs beside them in every process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine

from gateway.adapters.ccxt.config import Secret
from gateway.adapters.store import outbox_repo
from gateway.adapters.store.outbox_repo import Notification
from gateway.url_mask import shown_url

from .signing import EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 600.0
PRUNE_EVERY_S = 3600.0


class WebhookSender:
    def __init__(self, engine: Engine, urls: tuple[str, ...], secret: Secret,
                 now: Callable[[], datetime], *, timeout_s: float = 5.0,
                 max_attempts: int = 10, backoff_s: float = 2.0, poll_s: float = 1.0,
                 keep_sent: timedelta = timedelta(days=30),
                 on_result: Callable[[str], None] | None = None) -> None:
        self.engine = engine
        self.urls = urls
        self._secret = secret
        self._now = now
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.poll_s = poll_s
        self.keep_sent = keep_sent
        self._pruned_at: float | None = None
        self._on_result = on_result or (lambda _: None)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            while True:
                try:
                    while await self.deliver_due(client):
                        pass
                    await self.prune()
                except Exception:
                    log.exception("webhook sender failed; retrying")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)
                self._wake.clear()

    async def prune(self) -> int:
        """Delivered rows older than `keep_sent` go, at most once an hour per process (the
        table would otherwise grow by every notified event for as long as the gateway runs)."""
        mono = time.monotonic()
        if self._pruned_at is not None and mono - self._pruned_at < PRUNE_EVERY_S:
            return 0
        self._pruned_at = mono
        gone = await asyncio.to_thread(outbox_repo.prune_sent, self.engine,
                                       self._now() - self.keep_sent)
        if gone:
            log.info("webhook outbox: %d delivered notification(s) older than %s deleted",
                     gone, self.keep_sent)
        return gone

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """One round: returns how many notifications it attempted."""
        lease = self.timeout_s * max(1, len(self.urls)) + 30
        due = await asyncio.to_thread(outbox_repo.claim_due, self.engine, self._now(), lease)
        for n in due:
            await self._deliver(client, n)
        return len(due)

    async def _deliver(self, client: httpx.AsyncClient, n: Notification) -> None:
        body = n.body.encode()
        delivered, errors = set(n.delivered), []
        for url in self.urls:
            if url in delivered:
                continue
            # A URL may carry credentials (userinfo, a token in the query): errors name it
            # masked, as they are logged and kept in the outbox row.
            shown = shown_url(url)
            headers = {"Content-Type": "application/json", ID_HEADER: n.key,
                       EVENT_HEADER: n.event,
                       SIGNATURE_HEADER: sign(self._secret.reveal(), int(time.time()), body)}
            try:
                r = await client.post(url, content=body, headers=headers)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                # The type alone: httpx's messages quote parts of the URL (InvalidURL names
                # a password it took for the port).
                errors.append(f"{shown}: {type(exc).__name__}")
                continue
            if 200 <= r.status_code < 300:
                delivered.add(url)
            else:
                errors.append(f"{shown}: HTTP {r.status_code}")
        error = "; ".join(errors) or None
        retry_at = None
        if error is not None and n.attempts < self.max_attempts:
            delay = min(MAX_BACKOFF_S, self.backoff_s * 2 ** (n.attempts - 1))
            retry_at = self._now() + timedelta(seconds=delay)
        status = await asyncio.to_thread(outbox_repo.settle, self.engine, n, self._now(),
                                         tuple(delivered), error, retry_at)
        result = {"sent": "sent", "pending": "retry", "failed": "gave_up"}[status]
        self._on_result(result)
        if status == "failed":
            log.error("webhook %s (%s) given up after %d attempts: %s", n.key, n.event,
                      n.attempts, error)
        elif status == "pending":
            log.warning("webhook %s (%s) attempt %d failed (%s); retrying", n.key, n.event,
                        n.attempts, error)
