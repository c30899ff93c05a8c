#!/usr/bin/env python3
"""Drives Clerk's own Python SDK (clerk-backend-api 7.0.0, installed into .venv by the Makefile) against a
running session-server, the way a Clerk customer's backend would: users (unique identifiers, list filters, count,
metadata merge), sessions, clients, session and template tokens, JWT templates, the JWKS with the SDK's networkless
verification, and error shapes.

Usage: clerk_sdk_probe.py BASE_URL SECRET_KEY  (BASE_URL without /v1, e.g. http://127.0.0.1:8080)

Prints one line per check, `ok   <name>` or `FAIL <name>: <why>`, and exits 1 when any check failed.
The wire contract it holds the server to: Docs/HTTP-API.md.
"""
import base64
import json
import sys
import traceback
import uuid
import warnings

import httpx
from clerk_backend_api import Clerk, models
from clerk_backend_api.security import VerifyTokenOptions, verify_token
from clerk_backend_api.utils import BackoffStrategy, RetryConfig

BASE, SECRET = sys.argv[1].rstrip("/"), sys.argv[2]
# A broken server must fail the probe in seconds, not sit in the SDK's default hour of 5xx retries.
NO_RETRIES = RetryConfig("backoff", BackoffStrategy(50, 200, 1.5, 500), False)
failures = 0


def check(name):
    """Runs the decorated function as one named check: ok when it returns, FAIL with the reason when it raises."""
    def run(body):
        global failures
        try:
            body()
            print(f"ok   probe: {name}", flush=True)
        except Exception as error:  # noqa: BLE001 - every failure is reported, none stops the probe
            failures += 1
            where = traceback.extract_tb(error.__traceback__)[-1]
            print(f"FAIL probe: {name}: {type(error).__name__}: {error} (line {where.lineno})", flush=True)
        return body
    return run


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def claims_of(token):
    """The payload of a compact JWS, unverified (the verification checks are separate)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header_of(token):
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))


def expect_error(call, status, code=None):
    """`call` must fail with HTTP `status`, and a Clerk error body whose first code is `code` (when given),
    whether the SDK raises it as ClerkErrors (statuses it declares) or as SDKError (the others)."""
    try:
        call()
    except models.ClerkErrors as error:
        expect(error.status_code == status, f"status {error.status_code}, expected {status}")
        first = error.data.errors[0]
        expect(first.message and first.long_message, "error without message or long_message")
        expect(code is None or first.code == code, f"code {first.code}, expected {code}")
        return
    except models.SDKError as error:
        expect(error.status_code == status, f"status {error.status_code}, expected {status}")
        errors = json.loads(error.body)["errors"]
        expect(all(e.get("message") and e.get("long_message") and e.get("code") for e in errors), "incomplete error body")
        expect(code is None or errors[0]["code"] == code, f"code {errors[0]['code']}, expected {code}")
        return
    raise AssertionError(f"succeeded; expected HTTP {status}")


clerk = Clerk(bearer_auth=SECRET, server_url=f"{BASE}/v1", retry_config=NO_RETRIES, timeout_ms=15_000)
raw = httpx.Client(base_url=f"{BASE}/v1", headers={"Authorization": f"Bearer {SECRET}"}, timeout=15)
state = {}
suffix = uuid.uuid4().hex[:8]

# ---- users ---------------------------------------------------------------------------------------------


@check("users.create returns the user with its names and metadata")
def _():
    user = clerk.users.create(
        first_name="Ada", last_name="Probe", external_id=f"ext-{suffix}",
        email_address=[f"ada-{suffix}@example.com"], public_metadata={"role": "admin", "level": 3})
    expect(user.id.startswith("user_"), f"id {user.id}")
    expect((user.first_name, user.last_name, user.external_id) == ("Ada", "Probe", f"ext-{suffix}"), "names differ")
    expect(user.public_metadata == {"role": "admin", "level": 3}, f"public_metadata {user.public_metadata}")
    state["user"] = user.id


@check("users.get reads the same user back")
def _():
    user = clerk.users.get(user_id=state["user"])
    expect(user.id == state["user"] and user.first_name == "Ada", f"got {user.id} {user.first_name}")


@check("users.list includes the new user")
def _():
    users = clerk.users.list(request={"limit": 100})
    expect(state["user"] in [u.id for u in users], "not listed")


@check("users.update changes the first name")
def _():
    updated = clerk.users.update(user_id=state["user"], first_name="Grace")
    expect(updated.first_name == "Grace" and updated.last_name == "Probe", f"got {updated.first_name} {updated.last_name}")
    expect(clerk.users.get(user_id=state["user"]).first_name == "Grace", "the change did not persist")


def param_of(error):
    """meta.param_name: the SDK keeps meta as a plain dict."""
    return error.meta.get("param_name") if isinstance(error.meta, dict) else getattr(error.meta, "param_name", None)


def first_error(call):
    """The first ClerkError of a call that must fail with Clerk's 422 ClerkErrors."""
    try:
        call()
    except models.ClerkErrors as error:
        expect(error.status_code == 422, f"status {error.status_code}")
        return error.data.errors[0]
    raise AssertionError("succeeded; expected HTTP 422")


@check("users.create with another user's email or username (any case) raises 422 form_identifier_exists")
def _():
    clerk.users.update(user_id=state["user"], username=f"ada{suffix}")
    for kwargs, param in [({"email_address": [f"ADA-{suffix}@Example.com"]}, "email_address"), ({"username": f"ADA{suffix}"}, "username")]:
        error = first_error(lambda: clerk.users.create(**kwargs))
        expect(error.code == "form_identifier_exists" and param_of(error) == param, f"{error.code} {error.meta}")
        expect(error.message.endswith("is taken. Please try another."), error.message)
    expect(clerk.users.count(request={"email_address": [f"ada-{suffix}@example.com"]}).total_count == 1, "a duplicate was made")


@check("users.update to another user's email raises 422 form_identifier_exists")
def _():
    other = clerk.users.create(first_name=f"Bob {suffix}", last_name="Probe", email_address=[f"bob-{suffix}@example.com"],
                               phone_number=["+1555" + str(int(suffix, 16) % 10**7).zfill(7)], external_id=f"ext-b-{suffix}")
    state["user2"] = other.id
    error = first_error(lambda: clerk.users.update(user_id=other.id, username=f"Ada{suffix}"))
    expect(error.code == "form_identifier_exists" and param_of(error) == "username", f"{error.code} {error.meta}")


@check("users.list filters by email_address, user_id, external_id, username, phone_number and query; order_by orders")
def _():
    ada, bob = state["user"], state["user2"]
    def ids(**request):
        return [u.id for u in clerk.users.list(request={"limit": 100, **request})]
    expect(ids(email_address=[f"ADA-{suffix}@example.com", f"bob-{suffix}@example.com"]) == [bob, ada], "email_address")
    expect(ids(user_id=[ada]) == [ada], "user_id")
    expect(ids(external_id=[f"ext-b-{suffix}"]) == [bob], "external_id")
    expect(ids(username=[f"ADA{suffix}"]) == [ada], "username")
    bob_phone = clerk.users.get(user_id=bob).phone_numbers[0].phone_number
    expect(ids(phone_number=[bob_phone]) == [bob], "phone_number")
    expect(ids(query=f"-{suffix}@EXAMPLE") == [bob, ada], "query")
    expect(ids(query=f"Bob {suffix}") == [bob], "query with a space (httpx sends it as +)")
    # Ada is Grace by now (users.update): "Bob …" sorts first.
    expect(ids(query=suffix, order_by="first_name") == [bob, ada], "order_by=first_name")
    expect(ids(query=suffix, order_by="-first_name") == [ada, bob], "order_by=-first_name")
    expect(ids(query=suffix, order_by="+created_at") == [ada, bob], "order_by=+created_at")


@check("users.count counts with the same filters")
def _():
    expect(clerk.users.count(request={"query": suffix}).total_count == 2, "query")
    expect(clerk.users.count(request={"user_id": [state["user"]]}).total_count == 1, "user_id")
    expect(clerk.users.count(request={"email_address": [f"nobody-{suffix}@example.com"]}).total_count == 0, "nobody")


@check("users.list with an unknown order_by or a NUL is 422")
def _():
    expect_error(lambda: clerk.users.list(request={"order_by": "password"}), 422, "form_param_format_invalid")
    expect_error(lambda: clerk.users.list(request={"email_address": ["a\x00@example.com"]}), 422, "form_param_format_invalid")
    expect_error(lambda: clerk.users.list(request={"limit": 501}), 422)


@check("users.update_metadata deep-merges, and a null removes a key")
def _():
    user = clerk.users.update_metadata(user_id=state["user"], public_metadata={"level": None, "team": {"name": "core"}},
                                       private_metadata={"note": "x"})
    expect(user.public_metadata == {"role": "admin", "team": {"name": "core"}}, f"public {user.public_metadata}")
    user = clerk.users.update_metadata(user_id=state["user"], public_metadata={"team": {"size": 3}})
    expect(user.public_metadata == {"role": "admin", "team": {"name": "core", "size": 3}}, f"public {user.public_metadata}")
    expect(user.private_metadata == {"note": "x"}, f"private {user.private_metadata}")
    user = clerk.users.update_metadata(user_id=state["user"], public_metadata={"level": 3, "team": None})
    expect(user.public_metadata == {"role": "admin", "level": 3}, f"public {user.public_metadata}")


# ---- sessions and session tokens --------------------------------------------------------------------------


@check("sessions.create makes an active session for the user")
def _():
    session = clerk.sessions.create(request={"user_id": state["user"]})
    expect(session.id.startswith("sess_") and session.user_id == state["user"], f"session {session.id} of {session.user_id}")
    expect(session.status == models.Status.ACTIVE, f"status {session.status}")
    expect(session.expire_at > session.created_at > 10**12, "timestamps are not milliseconds")
    state["session"] = session.id


@check("sessions.get and sessions.list find the session")
def _():
    expect(clerk.sessions.get(session_id=state["session"]).id == state["session"], "get returned another session")
    listed = clerk.sessions.list(user_id=state["user"])
    expect([s.id for s in listed] == [state["session"]], f"list returned {[s.id for s in listed]}")
    active = clerk.sessions.list(user_id=state["user"], status=models.QueryParamStatus.ACTIVE)
    expect(len(active) == 1, f"{len(active)} active sessions")


@check("sessions.create_token mints a 60-second RS256 session token with the v2 claims")
def _():
    token = clerk.sessions.create_token(session_id=state["session"]).jwt
    claims, header = claims_of(token), header_of(token)
    expect(header["alg"] == "RS256" and header.get("kid"), f"header {header}")
    expect(claims["sid"] == state["session"] and claims["sub"] == state["user"], "wrong sid or sub")
    expect(claims["exp"] - claims["iat"] == 60 and claims["v"] == 2, f"exp-iat {claims['exp'] - claims['iat']}, v {claims.get('v')}")
    expect({"iss", "jti", "nbf", "fva", "sts"} <= claims.keys(), f"claims {sorted(claims)}")
    state["token"] = token


@check("clients.list, clients.get and clients.verify answer the session's client")
def _():
    client_id = clerk.sessions.get(session_id=state["session"]).client_id
    with warnings.catch_warnings():  # Clerk marks clients.list deprecated in its SDK; Tessera serves it all the same
        warnings.simplefilter("ignore", DeprecationWarning)
        listed = clerk.clients.list(limit=100)
    expect(client_id in [c.id for c in listed], "not listed")
    client = clerk.clients.get(client_id=client_id)
    expect(client.session_ids == [state["session"]] and client.last_active_session_id == state["session"], f"client {client}")
    expect(client.sessions[0].id == state["session"] and client.sign_in_id is None, "sessions or sign_in_id")
    verified = clerk.clients.verify(request={"token": state["token"]})
    expect(verified.id == client_id, f"verified {verified.id}")
    state["client"] = client_id


@check("clients.verify refuses a tampered token with 400 token_invalid; an unknown client is 404")
def _():
    head, payload, signature = state["token"].split(".")
    expect_error(lambda: clerk.clients.verify(request={"token": f"{head}.{payload}.{signature[::-1]}"}), 400, "token_invalid")
    expect_error(lambda: clerk.clients.verify(request={"token": "not-a-token"}), 400, "token_invalid")
    expect_error(lambda: clerk.clients.get(client_id="client_" + "0" * 32), 404, "resource_not_found")


@check("sessions.create_token honours expires_in_seconds")
def _():
    claims = claims_of(clerk.sessions.create_token(session_id=state["session"], expires_in_seconds=120).jwt)
    expect(claims["exp"] - claims["iat"] == 120, f"exp-iat {claims['exp'] - claims['iat']}")


@check("jwks.get_jwks publishes the signing key, and the SDK's own verify_token accepts the token")
def _():
    jwks = clerk.jwks.get_jwks()
    kids = [k.kid for k in jwks.keys]
    expect(header_of(state["token"])["kid"] in kids, f"kid not in {kids}")
    rsa = [k for k in jwks.keys if k.kty == "RSA"]
    expect(rsa and all(k.use == "sig" and k.alg == "RS256" and k.n and k.e for k in rsa), "RSA keys incomplete")
    claims = verify_token(state["token"], VerifyTokenOptions(secret_key=SECRET, api_url=BASE))
    expect(claims["sid"] == state["session"], f"verified claims {claims}")


@check("the public JWKS at /.well-known/jwks.json matches /v1/jwks")
def _():
    public = httpx.get(f"{BASE}/.well-known/jwks.json", timeout=15).json()
    expect(sorted(k["kid"] for k in public["keys"]) == sorted(k.kid for k in clerk.jwks.get_jwks().keys), "kids differ")


@check("Docs/ComingFromClerk.md's networkless authenticate_request example runs as written")
def _():
    import os
    import pathlib
    import re
    import subprocess
    doc = (pathlib.Path(__file__).resolve().parents[2] / "Docs" / "ComingFromClerk.md").read_text()
    match = re.search(r"<!-- clerk_sdk_probe.py runs the next block -->\n```text\n(.*?)\n```", doc, re.S)
    expect(match, "the marked block is missing")
    env = {**os.environ, "TESSERA_URL": BASE, "TESSERA_SECRET_KEY": SECRET}
    run = subprocess.run([sys.executable, "-c", match.group(1)], env=env, capture_output=True, text=True, timeout=60)
    expect(run.returncode == 0 and run.stdout.startswith("signed in: user_"), f"exit {run.returncode}: {run.stderr[-500:]}")


# ---- JWT templates and template tokens --------------------------------------------------------------------


@check("jwt_templates.create accepts the SDK's body (its claims arrive as {})")
def _():
    template = clerk.jwt_templates.create(request={"name": f"probe-{suffix}", "claims": {}, "lifetime": 90, "allowed_clock_skew": 10})
    expect(template.id.startswith("jtmp_") and template.name == f"probe-{suffix}", f"template {template.id} {template.name}")
    expect((template.lifetime, template.allowed_clock_skew, template.custom_signing_key) == (90, 10, False), "settings differ")
    state["template"] = template.id


@check("jwt_templates.list and jwt_templates.get find the template")
def _():
    expect(state["template"] in [t.id for t in clerk.jwt_templates.list(limit=100)], "not listed")
    expect(clerk.jwt_templates.get(template_id=state["template"]).name == f"probe-{suffix}", "get returned another name")


@check("jwt_templates.update changes the lifetime")
def _():
    updated = clerk.jwt_templates.update(template_id=state["template"], name=f"probe-{suffix}", claims={}, lifetime=120)
    expect(updated.lifetime == 120, f"lifetime {updated.lifetime}")


@check("sessions.create_token_from_template mints with the template's lifetime, skew and reserved claims")
def _():
    token = clerk.sessions.create_token_from_template(session_id=state["session"], template_name=f"probe-{suffix}").jwt
    claims = claims_of(token)
    expect(claims["sub"] == state["user"] and claims["exp"] - claims["iat"] == 120, f"claims {claims}")
    expect(claims["iat"] - claims["nbf"] == 5, f"nbf {claims['nbf']} for iat {claims['iat']} (update reset the skew to 5)")
    expect({"iss", "jti"} <= claims.keys(), f"claims {sorted(claims)}")
    verify_token(token, VerifyTokenOptions(secret_key=SECRET, api_url=BASE))
    shorter = claims_of(clerk.sessions.create_token_from_template(
        session_id=state["session"], template_name=f"probe-{suffix}", expires_in_seconds=45).jwt)
    expect(shorter["exp"] - shorter["iat"] == 45, f"exp-iat {shorter['exp'] - shorter['iat']}")


@check("template shortcodes render (template made over HTTP: the SDK drops claims), minted through the SDK")
def _():
    body = {"name": f"shortcodes-{suffix}", "claims": {
        "name": "{{user.first_name}} {{user.last_name}}", "role": "{{user.public_metadata.role}}",
        "level": "{{user.public_metadata.level}}", "missing": "{{user.public_metadata.nothing || 'fallback'}}"}}
    created = raw.post("/jwt_templates", json=body)
    expect(created.status_code == 200, f"create answered {created.status_code}: {created.text}")
    state["template2"] = created.json()["id"]
    claims = claims_of(clerk.sessions.create_token_from_template(session_id=state["session"], template_name=f"shortcodes-{suffix}").jwt)
    expected = {"name": "Grace Probe", "role": "admin", "level": 3, "missing": "fallback"}
    expect({k: claims.get(k) for k in expected} == expected, f"claims {claims}")


@check("jwt_templates.delete deletes, and the template is then 404")
def _():
    for template in [state["template"], state["template2"]]:
        deleted = clerk.jwt_templates.delete(template_id=template)
        expect(deleted.deleted and deleted.id == template, f"deleted {deleted}")
    expect_error(lambda: clerk.jwt_templates.get(template_id=state["template"]), 404, "resource_not_found")
    expect_error(lambda: clerk.sessions.create_token_from_template(session_id=state["session"], template_name=f"probe-{suffix}"), 404)


# ---- errors -----------------------------------------------------------------------------------------------


@check("a wrong secret key is 401 clerk_key_invalid")
def _():
    wrong = Clerk(bearer_auth="sk_test_" + "0" * 48, server_url=f"{BASE}/v1", retry_config=NO_RETRIES, timeout_ms=15_000)
    expect_error(lambda: wrong.sessions.get(session_id=state["session"]), 401, "clerk_key_invalid")
    expect_error(lambda: wrong.sessions.list(user_id=state["user"]), 401, "clerk_key_invalid")


@check("an unknown session is 404 resource_not_found")
def _():
    unknown = "sess_" + "0" * 32
    expect_error(lambda: clerk.sessions.get(session_id=unknown), 404, "resource_not_found")
    expect_error(lambda: clerk.sessions.create_token(session_id=unknown), 404, "resource_not_found")
    expect_error(lambda: clerk.sessions.revoke(session_id=unknown), 404, "resource_not_found")


@check("bad input is 422 with a Clerk error body")
def _():
    expect_error(lambda: clerk.sessions.create_token(session_id=state["session"], expires_in_seconds=5), 422)
    expect_error(lambda: clerk.sessions.list(user_id=state["user"], limit=501), 422)
    expect_error(lambda: clerk.jwt_templates.create(request={"name": f"bad-{suffix}", "claims": {}, "lifetime": 1}), 422)


@check("a template naming a reserved claim is 400 jwt_template_reserved_claim")
def _():
    answer = raw.post("/jwt_templates", json={"name": f"reserved-{suffix}", "claims": {"sub": "x"}})
    expect(answer.status_code == 400 and answer.json()["errors"][0]["code"] == "jwt_template_reserved_claim", answer.text)


# ---- revocation and deletion ------------------------------------------------------------------------------


@check("sessions.revoke revokes; a revoked session gets no token")
def _():
    revoked = clerk.sessions.revoke(session_id=state["session"])
    expect(revoked.status == models.Status.REVOKED, f"status {revoked.status}")
    expect(clerk.sessions.get(session_id=state["session"]).status == models.Status.REVOKED, "revocation did not persist")
    expect_error(lambda: clerk.sessions.create_token(session_id=state["session"]), 400, "session_not_active")


@check("clients.verify refuses the token of a revoked session")
def _():
    expect_error(lambda: clerk.clients.verify(request={"token": state["token"]}), 400, "token_invalid")


@check("users.delete deletes, and the user is then 404")
def _():
    clerk.users.delete(user_id=state["user2"])
    deleted = clerk.users.delete(user_id=state["user"])
    expect(deleted.deleted and deleted.id == state["user"], f"deleted {deleted}")
    expect_error(lambda: clerk.users.get(user_id=state["user"]), 404, "resource_not_found")


sys.exit(1 if failures else 0)
