"""Server-Sent Events decoding (the text/event-stream format), independent of any I/O.

We split lines ourselves instead of using httpx's `aiter_lines`: that follows
`str.splitlines`, which also breaks on U+2028, form feeds and friends. JSON may carry
those unescaped inside a string, so one trader's odd reason text would cut an event in
two. SSE only ends lines on CR, LF or CRLF.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_EOL = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class SseMessage:
    """One dispatched event: its type, its (joined) data and the last id seen."""

    event: str
    data: str
    id: str | None


class SseDecoder:
    """Feed raw bytes as they arrive; get back the events they complete."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._started = False
        self._event = ""
        self._data: list[str] = []
        self.last_id: str | None = None

    def feed(self, chunk: bytes) -> list[SseMessage]:
        text = self._utf8.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        self._buffer += text
        messages: list[SseMessage] = []
        while (match := _EOL.search(self._buffer)) is not None:
            # A trailing CR may be the first half of a CRLF split across chunks.
            if match.group() == "\r" and match.end() == len(self._buffer):
                break
            line = self._buffer[: match.start()]
            self._buffer = self._buffer[match.end() :]
            message = self._line(line)
            if message is not None:
                messages.append(message)
        return messages

    def _line(self, line: str) -> SseMessage | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment: the server's keepalive ping
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self.last_id = value
        # "retry" and unknown fields are ignored: the desk runs its own backoff.
        return None

    def _dispatch(self) -> SseMessage | None:
        event, data = self._event or "message", self._data
        self._event, self._data = "", []
        if not data:
            return None
        return SseMessage(event=event, data="\n".join(data), id=self.last_id)
