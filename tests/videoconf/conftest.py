"""Fixtures of the videoconf tests: the fake Webex server and fast failure settings."""

from tests.videoconf.video_helpers import fast_webex  # noqa: F401
from tests.videoconf.webex_fake_fixtures import fake_webex  # noqa: F401
