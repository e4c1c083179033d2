"""Pytest fixture for the fake Webex server.

Use it without a conftest by importing it into the test module::

    from tests.videoconf.webex_fake_fixtures import fake_webex  # noqa: F401

    def test_something(fake_webex):
        creds = fake_webex.register_app("client", "secret", "refresh")
        ...  # point a WebexClient at fake_webex.base_url
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.webex_fake import FakeWebex


@pytest.fixture
def fake_webex() -> Iterator[FakeWebex]:
    """A fresh fake Webex on 127.0.0.1 and a free port, stopped after the test."""
    server = FakeWebex("127.0.0.1", 0)
    server.start()
    try:
        yield server
    finally:
        server.stop()
