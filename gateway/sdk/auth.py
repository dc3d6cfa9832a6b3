"""httpx authentication that signs every request with a producer credential."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from . import signing


class ProducerAuth(httpx.Auth):
    """Adds the X-GW-* signature headers (fresh timestamp and nonce) to each request.

    >>> client = httpx.Client(base_url="http://127.0.0.1:8787",
    ...                       auth=ProducerAuth("gwk_0123.s3cret"))  # doctest: +SKIP
    """

    requires_request_body = True

    def __init__(self, credential: str) -> None:
        signing.split_credential(credential)  # fail early on a malformed credential
        self._credential = credential

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        target = request.url.raw_path.decode("latin-1")
        request.headers.update(signing.sign(self._credential, request.method, target,
                                            request.content))
        yield request
