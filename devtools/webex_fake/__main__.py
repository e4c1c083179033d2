"""Run the fake Webex API for local development: ``python -m devtools.webex_fake --port 8765``.

Registers one app so the Bürgerbüro can be pointed at ``http://127.0.0.1:8765/v1`` with the
printed credentials; more apps, failures and delays via the ``/_fake/...`` control API.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys

from devtools.webex_fake.server import CONTROL_ENDPOINTS, FakeWebex


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.webex_fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--client-id", default="dev-client-id")
    parser.add_argument("--client-secret", default="dev-client-secret")
    parser.add_argument("--refresh-token", default="dev-refresh-token")
    parser.add_argument("--access-token", default="dev-access-token")
    parser.add_argument(
        "--access-token-lifetime",
        type=int,
        default=14 * 24 * 3600,
        help="seconds; make it short to exercise token refresh",
    )
    parser.add_argument("--kind", choices=("service_app", "integration"), default="service_app")
    parser.add_argument(
        "--email",
        default="dev-official@example.org",
        help="the app user's e-mail (integration) / shown by GET /people/me",
    )
    parser.add_argument(
        "--deliver-webhooks",
        action="store_true",
        help="POST signed webhook events to the registered targetUrls (meeting started/ended, "
        "participant joined) when the fake's start/join links are followed",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    if not _is_loopback(args.host):
        # The control API lets anybody mint tokens and read recorded requests.
        print(
            f"WARNING: binding the fake to {args.host}; its control API is unauthenticated.",
            file=sys.stderr,
        )
    fake = FakeWebex(args.host, args.port, deliver_webhooks=args.deliver_webhooks)
    fake.start()
    fake.register_app(
        args.client_id,
        args.client_secret,
        args.refresh_token,
        access_token=args.access_token,
        access_token_lifetime=args.access_token_lifetime,
        kind=args.kind,
        email=args.email,
    )
    print(f"Fake Webex API at {fake.base_url}")
    print(f"  client_id={args.client_id} client_secret={args.client_secret}")
    print(f"  refresh_token={args.refresh_token} access_token={args.access_token}")
    print("Control API:")
    for line in CONTROL_ENDPOINTS:
        print(f"  {line}")
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
