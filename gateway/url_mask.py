"""A webhook URL as it may be shown or logged: without its userinfo (`user:token@`), with
every query parameter's value and any fragment masked. The scheme, host, port and path stay,
so an operator can still tell the URLs apart (a receiver that keeps its secret in the path,
Slack-style, is shown as configured: the path is how one URL is told from another).

Pure: no I/O, nothing but the string.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MASK = "***"


def shown_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises on a port that is not a number (see below)
    except ValueError:
        # Unparseable, or a password holding an unencoded '/', '?' or '#' (which ends the
        # host early and leaves the rest of the password where the port should be): nothing
        # in it can be told apart from a secret.
        return _unknown(url)
    host = parts.netloc.rpartition("@")[2]  # the last '@': a password may hold one too
    if not parts.scheme or not host or "@" in parts.path + parts.query + parts.fragment:
        # An '@' past the host: the password may hold an unencoded '/', '?' or '#' that
        # a valid port number happened to precede (`user:12/ab@host`), so what looks like
        # the host could be part of the password.
        return _unknown(url)
    shown = f"{parts.scheme}://{host}{parts.path}"
    if parts.query:
        shown += "?" + "&".join(_masked(pair) for pair in parts.query.split("&"))
    if parts.fragment:
        shown += "#" + MASK
    return shown


def _masked(pair: str) -> str:
    name, eq, value = pair.partition("=")
    if not eq:  # `?abcdef`: a bare value, which may itself be the token
        return MASK if name else ""
    return f"{name}={MASK}" if value else f"{name}="


def _unknown(url: str) -> str:
    scheme = url.partition("://")[0] if "://" in url else ""
    return f"{scheme}://{MASK}" if scheme.isalpha() else MASK


def shown_urls(urls: tuple[str, ...] | list[str]) -> list[str]:
    return [shown_url(u) for u in urls]
