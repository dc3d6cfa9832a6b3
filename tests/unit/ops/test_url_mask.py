"""Webhook URLs as shown by `gateway config check` and the sender's logs: never the userinfo,
a query value or a fragment; the host, port and path stay so URLs can be told apart."""

from __future__ import annotations

import pytest

from gateway.url_mask import shown_url, shown_urls


@pytest.mark.parametrize(("url", "shown"), [
    ("https://hooks.example/x", "https://hooks.example/x"),
    ("http://127.0.0.1:9100", "http://127.0.0.1:9100"),
    ("https://user:tok3n-secret@hooks.example/x", "https://hooks.example/x"),
    ("https://tok3n-secret@hooks.example:8443/x", "https://hooks.example:8443/x"),
    ("https://user:p@ss-secret@hooks.example/x", "https://hooks.example/x"),
    ("https://hooks.example/x?token=tok3n-secret", "https://hooks.example/x?token=***"),
    ("https://hooks.example/x?a=1&sig=tok3n-secret&empty=",
     "https://hooks.example/x?a=***&sig=***&empty="),
    ("https://hooks.example/x?tok3n-secret", "https://hooks.example/x?***"),
    ("https://hooks.example/x#tok3n-secret", "https://hooks.example/x#***"),
    ("https://u:pw@[::1]:8080/x?k=tok3n-secret", "https://[::1]:8080/x?k=***"),
    # Slack-style: the path is what tells one receiver from another, and stays as configured
    ("https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/services/T0/B0/XYZ"),
])
def test_a_url_is_shown_without_userinfo_and_with_query_values_masked(url: str,
                                                                       shown: str) -> None:
    assert shown_url(url) == shown


@pytest.mark.parametrize("url", [
    # An unencoded '/', '?' or '#' in the password ends the host early: with a number before
    # it, what parses as host and port is part of the credential; without, no port parses.
    "https://user:12/tok3n-secret@hooks.example/x",
    "https://user:12?tok3n-secret@hooks.example/x",
    "https://user:12#tok3n-secret@hooks.example/x",
    "https://user:ab/tok3n-secret@hooks.example/x",
    "https://[::1/tok3n-secret",
])
def test_a_url_that_does_not_parse_cleanly_is_masked_whole(url: str) -> None:
    assert shown_url(url) == "https://***"


def test_nothing_but_a_scheme_is_kept_from_what_is_not_a_url() -> None:
    assert shown_url("user:tok3n-secret@hooks.example") == "***"
    assert shown_url("") == "***"


def test_several_urls_keep_their_order() -> None:
    assert shown_urls(("https://a:b@x.example/1", "https://y.example/2?k=v")) == [
        "https://x.example/1", "https://y.example/2?k=***"]
