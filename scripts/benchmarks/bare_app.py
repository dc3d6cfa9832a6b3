"""The intake baseline: the fastest endpoint the gateway's own stack can offer.

Same uvicorn, same FastAPI, same wire model (`ProposalIn`); no auth, no limits, no
database. An `async def` route, because a sync one would run in the thread pool and make
the baseline ~45% slower, flattering the gateway's ratio.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from pydantic import ValidationError

from gateway.api.schemas import ProposalIn

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

_ACCEPTED = b'{"state":"pending_approval"}'


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"ok":true}', media_type="application/json")


@app.post("/v1/orders")
async def propose(request: Request) -> Response:
    try:
        ProposalIn.model_validate_json(await request.body())
    except ValidationError as exc:
        return Response(exc.json(), status_code=422, media_type="application/json")
    return Response(_ACCEPTED, status_code=201, media_type="application/json")
