"""A faithful fake of the Cisco Webex REST API on loopback, for the tests and for trying the
Bürgerbüro locally without a Webex account: `python -m devtools.webex_fake --port 8765`.
Standard library only; not part of the product (the product never imports devtools)."""

from devtools.webex_fake.server import (
    CONTROL_ENDPOINTS,
    AppCredentials,
    FakeWebex,
    RecordedRequest,
    sign_webhook_body,
)

__all__ = [
    "CONTROL_ENDPOINTS",
    "AppCredentials",
    "FakeWebex",
    "RecordedRequest",
    "sign_webhook_body",
]
