"""SseDecoder: the text/event-stream rules the desk's live view depends on."""

from __future__ import annotations

import pytest

from tui.sse import SseDecoder, SseMessage


def decode(*chunks: bytes) -> list[SseMessage]:
    decoder = SseDecoder()
    return [m for chunk in chunks for m in decoder.feed(chunk)]


def test_event_with_id_type_and_data_is_dispatched_on_blank_line() -> None:
    assert decode(b"id: 7\nevent: audit\ndata: {}\n\n") == [SseMessage("audit", "{}", "7")]


def test_comment_keepalives_produce_nothing() -> None:
    assert decode(b": ping\n\n: ping\n\n") == []


@pytest.mark.parametrize(
    "chunks",
    [
        (b"data: a\r\n\r\n",),
        (b"data: a\r", b"\n\r\n"),  # CRLF split across chunks is one line end, not two
        (b"data: a\r\r", b":"),  # a final CR waits for the next byte: it may be CRLF
        (b"da", b"ta: a\n", b"\n"),
    ],
)
def test_line_endings_and_chunk_boundaries(chunks: tuple[bytes, ...]) -> None:
    assert decode(*chunks) == [SseMessage("message", "a", None)]


def test_multiline_data_is_joined_with_newlines() -> None:
    assert decode(b"data: one\ndata: two\n\n")[0].data == "one\ntwo"


def test_unicode_line_separator_inside_data_does_not_split_the_event() -> None:
    payload = '{"reason": "a\u2028b\x0cc"}'
    assert decode(f"data: {payload}\n\n".encode())[0].data == payload


def test_utf8_split_inside_a_character_survives() -> None:
    raw = "data: ✔\n\n".encode()
    assert decode(raw[:7], raw[7:])[0].data == "✔"


def test_incomplete_event_at_end_of_stream_is_not_dispatched() -> None:
    assert decode(b"data: half") == []


def test_last_id_is_kept_for_later_events() -> None:
    messages = decode(b"id: 3\ndata: x\n\ndata: y\n\n")
    assert [m.id for m in messages] == ["3", "3"]


def test_leading_byte_order_mark_is_ignored() -> None:
    assert decode(b"\xef\xbb\xbfdata: x\n\n") == [SseMessage("message", "x", None)]
