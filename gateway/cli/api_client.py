"""The CLI's HTTP calls, with errors turned into one readable line."""

from __future__ import annotations

import os
from typing import Any

import httpx

from gateway.settings import client_url

from .output import CliError


class Unreachable(CliError):
    """No answer from the server at all (refused, timed out, dropped)."""


class Api:
    def __init__(self, url: str | None, token: str | None, timeout: float = 5.0) -> None:
        self.url = client_url(url)
        token = token or os.environ.get("GATEWAY_TOKEN")
        if not token:
            raise CliError("no operator token: pass --token or set GATEWAY_TOKEN "
                           "(`gateway operators add NAME --role trader` issues one)", 2)
        self._client = httpx.Client(base_url=self.url, timeout=timeout,
                                    headers={"Authorization": f"Bearer {token}"})

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             params: dict[str, Any] | None = None) -> Any:
        try:
            response = self._client.request(method, path, json=body, params=params)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach the gateway at {self.url} ({type(exc).__name__}: "
                              f"{exc}); is `gateway serve` running there? Set --url or "
                              "GATEWAY_URL") from exc
        if response.status_code >= 400:
            try:
                err = response.json()["error"]
                message = err["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise CliError(f"{response.status_code} {message}")
        return response.json()
