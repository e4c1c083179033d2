"""Keeps the fake Webex server (and our client's requests) honest against Cisco's OpenAPI files.

Every success answer of the fake is validated with openapi-core against the operation's
documented response (status, media type, body schema) in ``shared/webex/webex-meeting.json``
(meetings, participants) and ``webex-messaging.json`` (webhooks, people), and must not carry
properties the schema does not document. What the specs cannot check is said where it happens:

* Error bodies: only ``POST /meetings`` → 400 documents a schema (``message``, ``errors[]``,
  ``trackingId``); every other error response is documented without content, so openapi-core
  accepts anything there. We validate *every* error body of the fake against that one
  schema, and additionally require its three keys (the spec marks none as required).
* ``POST /access_token`` is in neither file: its shape is checked against a hand-written
  schema taken from shared/webex/README.md (developer.webex.com's token documentation).
* The webhook event envelope has no schema either: the fields it shares with the ``Webhook``
  object are validated against that schema, the rest against README.md.
* ``POST /meetings/join`` without ``joinDirectly: false`` answers 302, which the spec only
  describes in prose, so that case is checked by hand.
* The specs have no ``servers`` entry; we add ``/v1`` (the documented base path).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from devtools.webex_fake import AppCredentials, FakeWebex, RecordedRequest
from tests.videoconf.webex_fake_fixtures import fake_webex  # noqa: F401
from videoconf.webex import RefreshingTokenProvider, TokenSet, WebexClient

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = Path(os.environ.get("WEBEX_SPEC_DIR", REPO_ROOT.parent / "shared" / "webex"))
if not (SPEC_DIR / "webex-meeting.json").is_file():
    pytest.skip(
        f"Webex OpenAPI files not found in {SPEC_DIR}: put Cisco's webex-meeting.json and "
        "webex-messaging.json there (../shared/webex beside the clone) or set WEBEX_SPEC_DIR",
        allow_module_level=True,
    )

HOST = "beraterin@musterstadt.example"

# From shared/webex/README.md: the token endpoint is not part of the OpenAPI files.
TOKEN_RESPONSE_SCHEMA = {
    "type": "object",
    "required": [
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "token_type",
    ],
    "properties": {
        "access_token": {"type": "string", "minLength": 1},
        "expires_in": {"type": "integer", "minimum": 1},
        "refresh_token": {"type": "string", "minLength": 1},
        "refresh_token_expires_in": {"type": "integer", "minimum": 0},
        "token_type": {"const": "Bearer"},
    },
}
ENVELOPE_KEYS = {
    "id", "name", "resource", "event", "orgId", "createdBy", "appId", "ownedBy", "status",
    "actorId", "data",
}  # fmt: skip


# --------------------------------------------------------------------------- spec plumbing


@dataclass
class Spec:
    document: dict[str, Any]
    api: OpenAPI

    def schema(self, name: str) -> dict[str, Any]:
        return self.resolve({"$ref": f"#/components/schemas/{name}"})

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def validator(self, schema: dict[str, Any]) -> OAS30Validator:
        # Resolve "$ref"s inside ``schema`` against the whole document.
        return OAS30Validator({**schema, "components": self.document["components"]})

    def operation(self, method: str, path: str) -> dict[str, Any]:
        return self.document["paths"][path][method.lower()]

    def request_schema(self, method: str, path: str) -> dict[str, Any]:
        content = self.operation(method, path)["requestBody"]["content"]
        return self.resolve(next(iter(content.values()))["schema"])

    def response_schema(self, method: str, path: str, status: str = "200") -> dict[str, Any]:
        content = self.operation(method, path)["responses"][status]["content"]
        return self.resolve(next(iter(content.values()))["schema"])


@functools.cache
def _load(name: str) -> Spec:
    document = json.loads((SPEC_DIR / name).read_text(encoding="utf-8"))
    document["servers"] = [{"url": "/v1"}]
    # The 3 MB documents are Cisco's, unmodified; validating them as OpenAPI documents
    # would take seconds per run and is Cisco's job, hence no spec validator.
    return Spec(document, OpenAPI.from_dict(document, config=Config(spec_validator_cls=None)))


@pytest.fixture(scope="module")
def meeting_spec() -> Spec:
    return _load("webex-meeting.json")


@pytest.fixture(scope="module")
def messaging_spec() -> Spec:
    return _load("webex-messaging.json")


class OpenAPIRequest:
    """openapi-core's request protocol for an httpx request or a request the fake recorded."""

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes) -> None:
        split = urlsplit(url)
        self.host_url = f"{split.scheme}://{split.netloc}"
        self.path = split.path
        self.method = method.lower()
        self.body = body or None
        lowered = {k.lower(): v for k, v in headers.items()}
        self.content_type = lowered.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(split.query)),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
        )

    @classmethod
    def from_httpx(cls, request: httpx.Request) -> OpenAPIRequest:
        return cls(request.method, str(request.url), dict(request.headers), request.content)

    @classmethod
    def from_recorded(cls, fake: FakeWebex, recorded: RecordedRequest) -> OpenAPIRequest:
        query = "&".join(f"{k}={v}" for k, values in recorded.query.items() for v in values)
        url = f"{fake.base_url}{recorded.path}" + (f"?{query}" if query else "")
        return cls(recorded.method, url, recorded.headers, recorded.body)


class OpenAPIResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))
        self.data = response.content


def error_schema() -> dict[str, Any]:
    """The only error body schema in the specs (POST /meetings → 400), made strict."""
    schema = dict(_load("webex-meeting.json").response_schema("POST", "/meetings", "400"))
    schema["required"] = ["message", "errors", "trackingId"]
    return schema


def assert_error_body(spec: Spec, response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    spec.validator(error_schema()).validate(body)
    assert body["errors"] and all(e.get("description") for e in body["errors"])
    assert body["trackingId"] == response.headers["TrackingID"]
    return body


def assert_conforms(spec: Spec, response: httpx.Response, schema_name: str | None = None) -> Any:
    """Validate a fake answer against the spec; return its JSON body (if any)."""
    assert response.headers.get("TrackingID"), "every Webex answer carries a TrackingID"
    if response.status_code == 204:
        # openapi-core cannot validate a documented ``"content": {}`` (it demands data), so
        # check by hand that 204 is documented for the operation and nothing was sent.
        assert response.content == b""
        path = _template(urlsplit(str(response.request.url)).path.removeprefix("/v1"))
        assert "204" in spec.operation(response.request.method, path)["responses"]
        return None
    if response.is_error:
        # Most error responses are documented without content (so openapi-core would reject
        # any body); check the status is documented and the body against the error schema.
        path = _template(urlsplit(str(response.request.url)).path.removeprefix("/v1"))
        assert (
            str(response.status_code) in spec.operation(response.request.method, path)["responses"]
        )
        return assert_error_body(spec, response)
    spec.api.validate_response(
        OpenAPIRequest.from_httpx(response.request), OpenAPIResponse(response)
    )
    if not response.content:
        return None
    body = response.json()
    if schema_name:
        assert_only_documented(spec, body, spec.schema(schema_name))
    return body


def assert_only_documented(spec: Spec, body: Any, schema: dict[str, Any]) -> None:
    """No invented fields: every key the fake sends must exist in the documented schema."""
    schema = spec.resolve(schema)
    if isinstance(body, dict) and "properties" in schema:
        extra = set(body) - set(schema["properties"])
        assert not extra, f"fields not in the spec: {sorted(extra)}"
        for key, value in body.items():
            assert_only_documented(spec, value, schema["properties"][key])
    elif isinstance(body, list) and "items" in schema:
        for item in body:
            assert_only_documented(spec, item, schema["items"])


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def fake(fake_webex: FakeWebex) -> FakeWebex:  # noqa: F811 - pytest injects the fixture
    return fake_webex


@pytest.fixture
def creds(fake: FakeWebex) -> AppCredentials:
    return fake.register_app("conf-client", "conf-secret", "conf-refresh")


@pytest.fixture
def http(fake: FakeWebex, creds: AppCredentials) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {creds.access_token}"}
    with httpx.Client(base_url=fake.base_url, headers=headers, timeout=5) as client:
        yield client


def meeting_body(**overrides: Any) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    body = {
        "title": "Beratung Elterngeld",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=30)).isoformat(),
        "timezone": "Europe/Berlin",
        "hostEmail": HOST,
        "sendEmail": False,
    }
    body.update(overrides)
    return body


def create_meeting(http: httpx.Client, **overrides: Any) -> dict[str, Any]:
    response = http.post("/meetings", json=meeting_body(**overrides))
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------- meetings


def test_meeting_lifecycle_conforms(meeting_spec: Spec, http: httpx.Client) -> None:
    created = http.post("/meetings", json=meeting_body(integrationTags=["booking:1"]))
    meeting = assert_conforms(meeting_spec, created, "MeetingSeriesObject")
    assert meeting["integrationTags"] == ["booking:1"]
    meeting_id = meeting["id"]

    fetched = assert_conforms(
        meeting_spec, http.get(f"/meetings/{meeting_id}"), "MeetingSeriesObject"
    )
    assert fetched == meeting

    patched = http.patch(f"/meetings/{meeting_id}", json={"title": "Neu", "sendEmail": False})
    patched_body = assert_conforms(meeting_spec, patched, "MeetingObjectForListMeeting")
    assert patched_body["title"] == "Neu"

    deleted = http.delete(f"/meetings/{meeting_id}", params={"sendEmail": "false"})
    assert deleted.status_code == 204 and deleted.content == b""
    assert_conforms(meeting_spec, deleted)
    assert_conforms(meeting_spec, http.get(f"/meetings/{meeting_id}"))  # 404 + error body
    gone = http.delete(f"/meetings/{meeting_id}")
    assert gone.status_code == 404
    assert_conforms(meeting_spec, gone)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"title": "x" * 129}, "128 characters"),
        ({"title": ""}, "title is required"),
        ({"start": "next tuesday"}, "ISO 8601"),
        ({"end": None}, "end is required"),
        ({"start": "2020-01-01T10:00:00Z", "end": "2020-01-01T11:00:00Z"}, "before current"),
        ({"end_offset": timedelta(minutes=9)}, "shorter than 10 minutes"),
        ({"end_offset": timedelta(hours=24)}, "longer than 23 hours"),
        ({"end_offset": timedelta(minutes=-30)}, "end cannot be before start"),
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"joinBeforeHostMinutes": 7}, "joinBeforeHostMinutes"),
        ({"unlockedMeetingJoinSecurity": "openDoor"}, "unlockedMeetingJoinSecurity"),
        ({"integrationTags": ["a", "b", "c", "d"]}, "integrationTags"),
        ({"hostEmail": None}, "hostEmail is required"),
    ],
)
def test_meeting_validation_errors_conform(
    meeting_spec: Spec, http: httpx.Client, overrides: dict[str, Any], expected: str
) -> None:
    offset = overrides.pop("end_offset", None)
    body = meeting_body(**overrides)
    if offset is not None:
        body["end"] = (datetime.fromisoformat(body["start"]) + offset).isoformat()
    body = {k: v for k, v in body.items() if v is not None}
    response = http.post("/meetings", json=body)
    assert response.status_code == 400
    error = assert_conforms(meeting_spec, response)
    assert error["message"] == "The input parameters contain invalid items."
    assert any(expected in e["description"] for e in error["errors"]), error


def test_meeting_duration_boundaries(http: httpx.Client) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    for length, status in [(timedelta(minutes=10), 200), (timedelta(hours=23, minutes=59), 200)]:
        body = meeting_body(start=start.isoformat(), end=(start + length).isoformat())
        assert http.post("/meetings", json=body).status_code == status


def test_media_type_and_json_errors_conform(meeting_spec: Spec, http: httpx.Client) -> None:
    wrong_type = http.post("/meetings", content=b"title=x", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    assert_conforms(meeting_spec, wrong_type)
    broken = http.post("/meetings", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert_conforms(meeting_spec, broken)


def test_meetings_of_other_orgs_are_not_found(
    meeting_spec: Spec, fake: FakeWebex, http: httpx.Client
) -> None:
    meeting = create_meeting(http)
    other = fake.register_app("other-client", "other-secret", "other-refresh")
    response = httpx.get(
        f"{fake.base_url}/meetings/{meeting['id']}",
        headers={"Authorization": f"Bearer {other.access_token}"},
    )
    assert response.status_code == 404
    assert_conforms(meeting_spec, response)


# --------------------------------------------------------------------------- join links


def test_join_link_conforms(meeting_spec: Spec, fake: FakeWebex, http: httpx.Client) -> None:
    meeting = create_meeting(http)
    response = http.post(
        "/meetings/join",
        json={
            "meetingId": meeting["id"],
            "displayName": "Erika Mustermann",
            "email": "erika@example.org",
            "expirationMinutes": 15,
            "joinDirectly": False,
            "hostEmail": HOST,
        },
    )
    links = assert_conforms(meeting_spec, response, "JoinMeetingLinkObject")
    assert set(links) == {"startLink", "joinLink", "expiration"}
    expires = datetime.fromisoformat(links["expiration"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)

    # Not in the response list of the spec, only in its prose: default joinDirectly → 302.
    redirect = http.post("/meetings/join", json={"meetingId": meeting["id"], "hostEmail": HOST})
    assert redirect.status_code == 302
    assert redirect.headers["Location"].startswith(fake.root_url)


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"expirationMinutes": 0}, 400, "between 1 and 60"),
        ({"expirationMinutes": 61}, 400, "between 1 and 60"),
        ({"email": None}, 400, "email must be specified"),
        ({"hostEmail": None}, 400, "hostEmail is required"),
        ({"hostEmail": "someone.else@musterstadt.example"}, 403, "not the host"),
        ({"meetingId": "does-not-exist"}, 404, "could not be found"),
        ({"meetingId": None}, 400, "meetingId"),
    ],
)
def test_join_link_errors_conform(
    meeting_spec: Spec, http: httpx.Client, body: dict[str, Any], status: int, expected: str
) -> None:
    meeting = create_meeting(http)
    request = {
        "meetingId": meeting["id"],
        "displayName": "Erika",
        "email": "erika@example.org",
        "joinDirectly": False,
        "hostEmail": HOST,
        **body,
    }
    response = http.post("/meetings/join", json={k: v for k, v in request.items() if v is not None})
    assert response.status_code == status
    error = assert_conforms(meeting_spec, response)
    assert expected in " ".join([error["message"], *(e["description"] for e in error["errors"])])


def test_join_links_expire(fake: FakeWebex, http: httpx.Client) -> None:
    meeting = create_meeting(http)
    body = {"meetingId": meeting["id"], "joinDirectly": False, "hostEmail": HOST,
            "email": "e@example.org", "expirationMinutes": 1}  # fmt: skip
    links = http.post("/meetings/join", json=body).json()
    fake.advance_time(61)
    assert httpx.get(links["joinLink"]).status_code == 410


# --------------------------------------------------------------------------- participants


def test_participants_and_admit_conform(
    meeting_spec: Spec, fake: FakeWebex, http: httpx.Client
) -> None:
    meeting = create_meeting(http)
    waiting = fake.add_participant(meeting["id"], "Erika", "erika@example.org")
    fake.add_participant(meeting["id"], "Beraterin", HOST, state="joined", host=True)

    listed = http.get("/meetingParticipants", params={"meetingId": meeting["id"], "max": 100})
    body = assert_conforms(meeting_spec, listed)
    assert_only_documented(
        meeting_spec, body, meeting_spec.response_schema("GET", "/meetingParticipants")
    )
    assert {p["state"] for p in body["items"]} == {"lobby", "joined"}

    admitted = http.post(
        "/meetingParticipants/admit", json={"items": [{"participantId": waiting["id"]}]}
    )
    assert admitted.status_code == 204
    assert_conforms(meeting_spec, admitted)
    again = http.get("/meetingParticipants", params={"meetingId": meeting["id"]}).json()
    assert [p["state"] for p in again["items"]] == ["joined", "joined"]


def test_participant_errors_conform(meeting_spec: Spec, http: httpx.Client) -> None:
    missing_id = http.get("/meetingParticipants")
    assert missing_id.status_code == 400
    assert_conforms(meeting_spec, missing_id)
    unknown_meeting = http.get("/meetingParticipants", params={"meetingId": "nope"})
    assert unknown_meeting.status_code == 404
    assert_conforms(meeting_spec, unknown_meeting)
    for items in ([], [{"participantId": "nope"}], [{"x": 1}]):
        response = http.post("/meetingParticipants/admit", json={"items": items})
        assert response.status_code in (400, 404)
        assert_conforms(meeting_spec, response)


def test_participant_paging_conforms(
    meeting_spec: Spec, fake: FakeWebex, http: httpx.Client
) -> None:
    meeting = create_meeting(http)
    for n in range(12):
        fake.add_participant(meeting["id"], f"Gast {n}", f"g{n}@example.org")
    first = http.get("/meetingParticipants", params={"meetingId": meeting["id"]})
    assert len(assert_conforms(meeting_spec, first)["items"]) == 10  # the spec's default max
    second = httpx.get(first.links["next"]["url"], headers=dict(http.headers))
    assert len(assert_conforms(meeting_spec, second)["items"]) == 2
    assert "next" not in second.links


# --------------------------------------------------------------------------- webhooks, people


@pytest.mark.parametrize("spec_name", ["messaging_spec", "meeting_spec"])
def test_webhooks_conform(
    request: pytest.FixtureRequest, spec_name: str, http: httpx.Client
) -> None:
    spec: Spec = request.getfixturevalue(spec_name)
    body = {
        "name": "Termine beendet",
        "targetUrl": "https://buergerbuero.example/webex/hook",
        "resource": "meetings",
        "event": "ended",
        "secret": "hook-secret",
        "ownedBy": "org",
    }
    hook = assert_conforms(spec, http.post("/webhooks", json=body), "Webhook")
    assert (hook["status"], hook["ownedBy"]) == ("active", "org")
    listed = assert_conforms(spec, http.get("/webhooks", params={"ownedBy": "org"}))
    assert_only_documented(spec, listed, spec.schema("WebhookCollectionResponse"))
    assert [h["id"] for h in listed["items"]] == [hook["id"]]
    assert assert_conforms(spec, http.get(f"/webhooks/{hook['id']}"), "Webhook") == hook
    deleted = http.delete(f"/webhooks/{hook['id']}")
    assert deleted.status_code == 204
    assert_conforms(spec, deleted)
    assert http.get(f"/webhooks/{hook['id']}").status_code == 404
    assert_conforms(spec, http.delete(f"/webhooks/{hook['id']}"))


@pytest.mark.parametrize(
    "override",
    [{"resource": "pizzas"}, {"event": "exploded"}, {"targetUrl": "ftp://x"}, {"name": ""}],
)
def test_webhook_validation_errors_conform(
    messaging_spec: Spec, http: httpx.Client, override: dict[str, str]
) -> None:
    body = {"name": "n", "targetUrl": "https://x.example/h", "resource": "meetings",
            "event": "started", **override}  # fmt: skip
    response = http.post("/webhooks", json=body)
    assert response.status_code == 400
    assert_conforms(messaging_spec, response)


@pytest.mark.parametrize("spec_name", ["messaging_spec", "meeting_spec"])
def test_people_me_conforms(
    request: pytest.FixtureRequest, spec_name: str, http: httpx.Client, creds: AppCredentials
) -> None:
    spec: Spec = request.getfixturevalue(spec_name)
    person = assert_conforms(spec, http.get("/people/me"), "Person")
    assert person["orgId"] == creds.org_id


# --------------------------------------------------------------------------- auth and failures


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/people/me"), ("POST", "/meetings"), ("GET", "/meetings/x"),
     ("GET", "/webhooks"), ("POST", "/meetingParticipants/admit")],
)  # fmt: skip
def test_missing_unknown_and_expired_tokens_conform(
    meeting_spec: Spec, fake: FakeWebex, creds: AppCredentials, method: str, path: str
) -> None:
    fake.expire_access_token(creds.access_token)
    for headers in ({}, {"Authorization": "Bearer nope"},
                    {"Authorization": f"Bearer {creds.access_token}"}):  # fmt: skip
        response = httpx.request(method, fake.base_url + path, headers=headers, json={})
        assert response.status_code == 401
        assert_conforms(meeting_spec, response)


@pytest.mark.parametrize("status", [429, 423, 500, 502, 503, 504])
def test_injected_failures_conform(
    meeting_spec: Spec, fake: FakeWebex, http: httpx.Client, status: int
) -> None:
    fake.fail_next("/people/me", status, retry_after=3 if status in (423, 429) else None)
    response = http.get("/people/me")
    assert response.status_code == status
    assert_conforms(meeting_spec, response)
    if status in (423, 429):
        assert response.headers["Retry-After"] == "3"
    assert http.get("/people/me").status_code == 200  # only the next one fails


def test_unknown_paths_and_methods_conform(meeting_spec: Spec, http: httpx.Client) -> None:
    not_found = http.get("/nothing-here")
    assert not_found.status_code == 404
    assert_error_body(meeting_spec, not_found)
    not_allowed = http.put("/people/me", json={})
    assert not_allowed.status_code == 405
    assert_error_body(meeting_spec, not_allowed)


# --------------------------------------------------------------------------- token endpoint


def test_access_token_endpoint(meeting_spec: Spec, fake: FakeWebex, creds: AppCredentials) -> None:
    form = {
        "grant_type": "refresh_token",
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "refresh_token": creds.refresh_token,
    }
    response = httpx.post(f"{fake.base_url}/access_token", data=form)  # no bearer needed
    assert response.status_code == 200
    body = response.json()
    Draft202012Validator(TOKEN_RESPONSE_SCHEMA).validate(body)
    assert response.headers["TrackingID"]

    # The old refresh token was rotated away; wrong secrets and grant types are refused.
    cases = [
        (form, "invalid_grant"),
        ({**form, "refresh_token": body["refresh_token"], "client_secret": "x"}, "invalid_client"),
        ({**form, "client_id": "unknown"}, "invalid_client"),
        ({**form, "grant_type": "password"}, "unsupported_grant_type"),
    ]
    for data, code in cases:
        refused = httpx.post(f"{fake.base_url}/access_token", data=data)
        assert refused.status_code == 400
        assert assert_error_body(meeting_spec, refused)["error"] == code

    new_token = {"Authorization": f"Bearer {body['access_token']}"}
    assert httpx.get(f"{fake.base_url}/people/me", headers=new_token).status_code == 200


# --------------------------------------------------------------------------- webhook events


def test_webhook_event_envelope(
    meeting_spec: Spec, messaging_spec: Spec, fake: FakeWebex, http: httpx.Client
) -> None:
    hook = http.post(
        "/webhooks",
        json={"name": "joined", "targetUrl": "https://buergerbuero.example/h",
              "resource": "meetingParticipants", "event": "joined", "secret": "k3y",
              "ownedBy": "org"},
    ).json()  # fmt: skip
    meeting = create_meeting(http)
    person = fake.add_participant(meeting["id"], "Erika", "e@example.org", state="joined")
    data = fake.participant_event_data(meeting["id"], person["id"])

    raw, headers = fake.build_webhook_event(hook["id"], data)
    expected = hmac.new(b"k3y", raw, hashlib.sha1).hexdigest()
    assert headers["X-Spark-Signature"] == expected
    envelope = json.loads(raw)
    assert set(envelope) >= ENVELOPE_KEYS
    webhook_part = {k: v for k, v in envelope.items() if k in hook}
    messaging_spec.validator(messaging_spec.schema("Webhook")).validate(webhook_part)
    participant = meeting_spec.schema("Participant")
    meeting_spec.validator(participant).validate(envelope["data"])
    assert_only_documented(meeting_spec, envelope["data"], participant)

    meeting_event = fake.meeting_event_data(meeting["id"])
    assert meeting_event["id"] == meeting["id"]


# --------------------------------------------------------------------------- our client's requests


def test_client_requests_conform_to_spec(
    meeting_spec: Spec, messaging_spec: Spec, fake: FakeWebex, creds: AppCredentials
) -> None:
    """Every request WebexClient sends must be valid for the documented operation and use
    only documented fields (a typo like ``enableJoinBeforeHost`` would be silently ignored
    by Webex, so we catch it here)."""
    expired = TokenSet(creds.access_token, datetime.now(UTC) - timedelta(seconds=1),
                       creds.refresh_token)  # fmt: skip
    provider = RefreshingTokenProvider(fake.base_url, creds.client_id, creds.client_secret,
                                       expired)  # fmt: skip
    start = datetime.now(UTC) + timedelta(hours=1)
    with WebexClient(fake.base_url, provider, timeout=5) as client:
        meeting = client.create_meeting("Termin", start, start + timedelta(minutes=30),
                                        host_email=HOST, integration_tags=["b:1"])  # fmt: skip
        client.get_meeting(meeting["id"], host_email=HOST)
        client.update_meeting(meeting["id"], title="Termin 2", host_email=HOST)
        client.create_join_link(meeting["id"], "Erika", "e@example.org", host_email=HOST)
        person = fake.add_participant(meeting["id"], "Erika", "e@example.org")
        client.list_participants(meeting["id"], host_email=HOST)
        client.admit([person["id"]])
        client.me()
        hook = client.create_webhook("n", "https://x.example/h", "meetings", "ended", "s")
        client.list_webhooks()
        client.delete_webhook(hook["id"])
        client.delete_meeting(meeting["id"], host_email=HOST)

    checked = set()
    for recorded in fake.requests():
        if recorded.path == "/access_token":
            continue  # not in the OpenAPI files; covered by test_access_token_endpoint
        spec = (
            messaging_spec if recorded.path.startswith(("/webhooks", "/people")) else meeting_spec
        )
        request = OpenAPIRequest.from_recorded(fake, recorded)
        template = _template(recorded.path)
        if recorded.method == "PATCH":
            # The spec files PATCH bodies under application/json-patch+json (yet describes a
            # plain object, not RFC 6902 operations), a media type openapi-core does not parse
            # as JSON. We send application/json like Cisco's SDKs do and validate the very
            # same body against the documented schema directly.
            schema = spec.request_schema("PATCH", template)
            spec.validator(schema).validate(recorded.json)
        else:
            spec.api.validate_request(request)
        if recorded.json is not None:
            schema = spec.request_schema(recorded.method, template)
            extra = set(recorded.json) - set(schema.get("properties", {}))
            assert not extra, f"{recorded.method} {template}: undocumented fields {extra}"
        checked.add((recorded.method, template))
    assert len(checked) == 11  # every operation the client uses


def _template(path: str) -> str:
    parts = path.split("/")
    if len(parts) == 3 and parts[1] == "meetings" and parts[2] != "join":
        return "/meetings/{meetingId}"
    if len(parts) == 3 and parts[1] == "webhooks":
        return "/webhooks/{webhookId}"
    return path
