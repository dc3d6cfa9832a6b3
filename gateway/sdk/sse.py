"""A minimal server-sent events reader (the gateway sends `id`, `event` and one `data` line)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any


class Parser:
    def __init__(self) -> None:
        self.data: list[str] = []

    def feed(self, line: str) -> dict[str, Any] | None:
        if line == "":
            if not self.data:
                return None
            text, self.data = "\n".join(self.data), []
            parsed: dict[str, Any] = json.loads(text)
            return parsed
        if line.startswith("data:"):
            self.data.append(line[5:].lstrip(" "))
        return None


def events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    parser = Parser()
    for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event


async def aevents(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    parser = Parser()
    async for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
