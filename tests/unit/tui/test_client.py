"""DeskApi against MockTransport: headers, typed replies, error translation, the stream."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.http_gateway import FakeGatewayHttp
from tui.client import DeskApi, DeskError


def api_for(handler: httpx.MockTransport, token: str = "desk-token") -> DeskApi:
    return DeskApi("http://gateway.test/", token, transport=handler)


async def test_every_request_carries_the_bearer_token() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"orders": []})

    api = api_for(httpx.MockTransport(handler), token="s3cret")
    assert (await api.pending_orders()).orders == []
    assert seen == ["Bearer s3cret"]


async def test_error_envelope_becomes_desk_error() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order()
    fake.change_order(order.id)
    api = api_for(fake.transport)
    with pytest.raises(DeskError) as caught:
        await api.approve(order.id, version=1)
    assert (caught.value.status, caught.value.code) == (409, "version_conflict")
    assert "version 2" in caught.value.message


async def test_wrong_token_is_401() -> None:
    api = api_for(FakeGatewayHttp().transport, token="wrong")
    with pytest.raises(DeskError) as caught:
        await api.status()
    assert caught.value.status == 401


async def test_non_json_error_body_still_reports_status_and_text() -> None:
    api = api_for(httpx.MockTransport(lambda r: httpx.Response(502, text="bad gateway")))
    with pytest.raises(DeskError) as caught:
        await api.status()
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        502,
        "http_502",
        "bad gateway",
    )


@pytest.mark.parametrize(
    ("exc", "code", "unknown"),
    [
        (httpx.ConnectError("refused"), "unreachable", False),
        (httpx.ReadTimeout("slow"), "no_reply", True),
    ],
)
async def test_network_failures_say_whether_the_outcome_is_known(
    exc: httpx.HTTPError, code: str, unknown: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    with pytest.raises(DeskError) as caught:
        await api_for(httpx.MockTransport(handler)).approve("ord-1", version=1)
    assert (caught.value.status, caught.value.code) == (0, code)
    assert caught.value.outcome_unknown is unknown


async def test_reply_that_does_not_match_the_schema_is_an_error_not_a_crash() -> None:
    api = api_for(httpx.MockTransport(lambda r: httpx.Response(200, json={"nope": 1})))
    with pytest.raises(DeskError) as caught:
        await api.status()
    assert caught.value.code == "bad_response"


async def test_order_ids_are_escaped_in_paths() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "x"}})

    with pytest.raises(DeskError):
        await api_for(httpx.MockTransport(handler)).order("a/b")
    assert paths == ["/v1/orders/a%2Fb"]


async def test_event_stream_yields_audit_events_then_ends() -> None:
    fake = FakeGatewayHttp()
    fake.publish("order.proposed", "ord-1")
    fake.publish("halt.set", actor="risk-1", reason="outage")
    fake.stream_mode = "finite"
    api = api_for(fake.transport)
    async with api.events(after=None) as stream:
        kinds = [(e.seq, e.kind) async for e in stream]
    assert kinds == [(1, "order.proposed"), (2, "halt.set")]


async def test_event_stream_refusal_raises_on_open() -> None:
    fake = FakeGatewayHttp()
    fake.stream_mode = "fail"
    with pytest.raises(DeskError) as caught:
        async with api_for(fake.transport).events(after=3):
            pass
    assert caught.value.status == 503
    assert fake.requests[-1].params == {"after": "3"}


async def test_unreadable_event_breaks_the_stream_instead_of_being_skipped() -> None:
    body = b'id: 1\nevent: audit\ndata: {"seq": "x"}\n\n'
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    with pytest.raises(DeskError) as caught:
        async with api_for(transport).events(after=None) as stream:
            async for _ in stream:
                pass
    assert caught.value.code == "bad_event"
