"""Stripe at the network edge, for the billing tests: localstripe (the stateful fake from
PyPI) in a subprocess on a free loopback port, a sink that receives the webhooks localstripe
signs and sends, and an edge proxy in front of localstripe that behaves as Stripe does where
localstripe cannot: 429 with Retry-After, lost answers, idempotency keys, and the
`send_invoice` parameters localstripe refuses."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "sk_test_vbb_local"

# localstripe pickles its whole store to /tmp/localstripe.pickle on every write, a path that
# every localstripe on the machine shares: the tests' instance keeps its state in memory only.
_RUNNER = (
    "import sys, localstripe.resources as r\n"
    "r.Store.dump_to_disk = lambda self: None\n"
    "from localstripe.server import start\n"
    "sys.argv = ['localstripe', '--port', sys.argv[1], '--from-scratch']\n"
    "start()\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStripe:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-c", _RUNNER, str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                self.get("/v1/customers")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def _request(self, method: str, path: str, data: dict | None = None) -> dict:
        body = urllib.parse.urlencode(data or {}).encode() if method == "POST" else None
        request = urllib.request.Request(  # noqa: S310 - loopback only
            self.url + path,
            data=body,
            method=method,
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            text = response.read().decode() or "{}"
        return json.loads(text)

    def get(self, path: str) -> dict:
        return self._request("GET", path)

    def post(self, path: str, data: dict | None = None) -> dict:
        return self._request("POST", path, data)

    def register_webhook(self, name: str, url: str, secret: str) -> None:
        self.post(f"/_config/webhooks/{name}", {"url": url, "secret": secret})

    def all(self, kind: str) -> list[dict]:
        """Every object of a kind (customers, subscriptions, invoiceitems …), all pages."""
        items: list[dict] = []
        after = None
        while True:
            query = "?limit=100" + (f"&starting_after={after}" if after else "")
            page = self.get(f"/v1/{kind}{query}")
            items.extend(page["data"])
            if not page.get("has_more") or not page["data"]:
                return items
            after = page["data"][-1]["id"]


@dataclass
class Delivery:
    body: bytes
    signature: str

    @property
    def event(self) -> dict:
        return json.loads(self.body)


class WebhookSink:
    """Receives what localstripe delivers; the tests hand it to our endpoint."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    sink.deliveries.append(Delivery(body, self.headers.get("Stripe-Signature", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout: float = 10.0) -> Delivery:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for delivery in self.deliveries:
                    if predicate(delivery.event):
                        return delivery
            time.sleep(0.1)
        raise AssertionError("no such webhook arrived from localstripe")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Seen:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    at: float
    answered: int


@dataclass
class EdgeProxy:
    """A loopback HTTP proxy in front of localstripe. `rules` decide per request:
    - ("429", n, retry_after): answer the first n matching requests with 429 + Retry-After,
      as Stripe's rate limiter does, without forwarding them;
    - ("lose", n): forward, then answer 500 instead of the real response (the write happened,
      the client never heard): Stripe replays the stored answer for the same idempotency key;
    - ("strip", names): forward without these form parameters (what localstripe refuses),
      after recording them.
    Every POST with an Idempotency-Key is answered like Stripe: a repeated key gets the first
    answer again instead of being executed twice."""

    upstream: str
    rules: list[tuple] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.replies: dict[str, tuple[int, bytes]] = {}
        self.counts: dict[int, int] = {}
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload, headers = proxy.handle(
                    self.command, self.path, body, dict(self.headers)
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, method, path, body, headers):
        params = urllib.parse.parse_qs(body.decode()) if body else {}
        key = headers.get("Idempotency-Key")
        now = time.monotonic()
        with self.lock:
            for index, rule in enumerate(self.rules):
                kind, matcher = rule[0], rule[1]
                if not (method == "POST" and matcher in path):
                    continue
                used = self.counts.get(index, 0)
                if kind == "429" and used < rule[2]:
                    self.counts[index] = used + 1
                    self.seen.append(Seen(method, path, params, key, now, 429))
                    error = {"error": {"type": "invalid_request_error", "message": "Too many"}}
                    return 429, json.dumps(error).encode(), {"Retry-After": str(rule[3])}
            if method == "POST" and key and key in self.replies:
                status, payload = self.replies[key]
                self.seen.append(Seen(method, path, params, key, now, status))
                return status, payload, {"Idempotent-Replayed": "true"}
        forward_body = body
        lose = False
        with self.lock:
            for index, rule in enumerate(self.rules):
                kind, matcher = rule[0], rule[1]
                if not (method == "POST" and matcher in path):
                    continue
                if kind == "strip":
                    kept = {k: v for k, v in params.items() if k not in rule[2]}
                    forward_body = urllib.parse.urlencode(kept, doseq=True).encode()
                if kind == "lose" and self.counts.get(index, 0) < rule[2]:
                    self.counts[index] = self.counts.get(index, 0) + 1
                    lose = True
        request = urllib.request.Request(  # noqa: S310 - loopback only
            self.upstream + path,
            data=forward_body if method == "POST" else None,
            method=method,
            headers={"Authorization": headers.get("Authorization", "")},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        with self.lock:
            if method == "POST" and key and status < 500:
                self.replies[key] = (status, payload)
            answered = 500 if lose else status
            self.seen.append(Seen(method, path, params, key, now, answered))
        if lose:
            error = {"error": {"type": "api_error", "message": "Lost on the way back"}}
            return 500, json.dumps(error).encode(), {}
        return status, payload, {}
