"""Lets tests keep writing `Authorization: Bearer <producer credential>`: this signs instead.

A producer credential (`gwk_<id>.<secret>`) in a bearer header is taken out and replaced by
the X-GW-* signature headers, exactly as gateway.sdk.ProducerAuth would send them. Operator
tokens pass through untouched.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from gateway.sdk import signing


class SignProducerBearer(httpx.Auth):
    requires_request_body = True

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credential.startswith("gwk_"):
            del request.headers["authorization"]
            target = request.url.raw_path.decode("latin-1")
            request.headers.update(signing.sign(credential, request.method, target,
                                                request.content))
        yield request
