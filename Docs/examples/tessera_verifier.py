"""Networkless verification of Tessera tokens in Python, with the revocation feed followed in a background thread.

The Python twin of Swift's `VerifierSync` + `SessionVerifier` (Docs/Verification.md), for backend services. It needs
PyJWT and cryptography only (`pip install 'pyjwt>=2.10' 'cryptography>=42'`); HTTP is the standard library's.

    verifier = TesseraVerifier("http://tessera.internal:8080", "vk_test_…", issuer="https://auth.example.com")
    verifier.start()                      # two daemon threads: the JWKS and the revocation feed
    verifier.wait_until_current(5)        # before serving: keys fetched, feed caught up
    claims = verifier.verify(token)       # per request: no I/O (except a rate-limited JWKS refetch for a new kid)
    # raises TokenRejected(code, message): expired, bad_signature, unknown_key_id, revoked, revocations_stale, …

What it checks, failing closed: the token's size; the key with exactly the header's `kid`; the algorithm the JWKS
entry names (the header's `alg` must equal it, so no RS256→HS256 confusion); the signature; no duplicate member in
the header or payload; `exp`, `iat` (required,
not in the future beyond the leeway), `nbf`; `iss`; `azp` and `aud` when configured; the revocation list (by session
when the token has a `sid`, by the user's cut-off when it has none, by the user's consent to the token's `client_id`);
and that the list was confirmed by the feed within `stale_after` seconds. An entry of a kind it does not know makes
it refuse every token until the feed sends only known kinds again: guessing could accept a revoked token.
"""
import base64, binascii, json, threading, time, urllib.error, urllib.request

import jwt

__all__ = ["TesseraVerifier", "TokenRejected"]


class TokenRejected(Exception):
    """A refusal: `code` is one of Tessera's refusal codes in snake_case (answer 401 with it)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


class FeedError(Exception):
    """A feed answer, JWKS or token part this module will not guess about."""


def _strict_json(body):
    """JSON with no duplicate member anywhere (two readers must never see two different objects)."""
    def pairs(items):
        keys = [key for key, _ in items]
        if len(keys) != len(set(keys)):
            raise FeedError("duplicate member in JSON")
        return dict(items)
    return json.loads(body, object_pairs_hook=pairs)


def _is_int(value, low=0, high=253_402_300_799_999):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _max_age(cache_control, default=300):
    """`max-age` of a Cache-Control value, held within 10 s … 1 day, as VerifierSync does."""
    for directive in (cache_control or "").lower().split(","):
        directive = directive.strip()
        if directive in ("no-store", "no-cache"):
            return 10
        if directive.startswith("max-age=") and directive[8:].isdigit():
            return min(max(int(directive[8:]), 10), 86_400)
    return default


class _Revocations:
    """An immutable revocation set; the follower builds a new one and swaps the reference (readers take no lock)."""

    def __init__(self, sessions=None, users=None, consents=None):
        self.sessions = sessions or {}   # session id → retain_until
        self.users = users or {}         # user id → (not_before ms, retain_until)
        self.consents = consents or {}   # (user id, client id) → (not_before ms, retain_until)

    def copy(self):
        return _Revocations(dict(self.sessions), dict(self.users), dict(self.consents))

    def apply(self, entry):
        """Adds one feed entry, exactly as RevocationFeedCodec reads it; FeedError for anything else."""
        if not isinstance(entry, dict) or not _is_int(entry.get("seq"), 1, 2**63 - 1) \
                or not _is_int(entry.get("revoked_at")) or not _is_int(entry.get("retain_until")):
            raise FeedError(f"revocation entry without a valid seq, revoked_at or retain_until: {entry!r:.200}")
        retain, user = entry["retain_until"], entry.get("user_id")
        if isinstance(entry.get("session_id"), str) and user is None:
            self.sessions[entry["session_id"]] = retain
        elif isinstance(user, str) and isinstance(entry.get("client_id"), str) and isinstance(entry.get("consent_id"), str) \
                and "session_id" not in entry and "session_ids" not in entry and _is_int(entry.get("not_before")):
            key = (user, entry["client_id"])
            previous = self.consents.get(key, (-1, 0))
            self.consents[key] = (max(previous[0], entry["not_before"]), max(previous[1], retain))
        elif isinstance(user, str) and "session_id" not in entry and "client_id" not in entry \
                and _is_int(entry.get("not_before")) and isinstance(entry.get("session_ids"), list) \
                and all(isinstance(s, str) for s in entry["session_ids"]):
            kept = entry.get("except_session_id")  # "sign out all other sessions": applied like a user-wide entry
            if "except_session_id" in entry and (not isinstance(kept, str) or kept in entry["session_ids"]):
                raise FeedError(f"revocation entry {entry['seq']} lists the session it says it kept")
            for session in entry["session_ids"]:
                self.sessions[session] = max(self.sessions.get(session, 0), retain)
            previous = self.users.get(user, (-1, 0))
            self.users[user] = (max(previous[0], entry["not_before"]), max(previous[1], retain))
        else:
            raise FeedError(f"revocation entry {entry['seq']} is of a kind this follower does not know")

    def pruned(self, now_ms):
        return _Revocations({k: v for k, v in self.sessions.items() if v >= now_ms},
                            {k: v for k, v in self.users.items() if v[1] >= now_ms},
                            {k: v for k, v in self.consents.items() if v[1] >= now_ms})

    def is_revoked(self, claims):
        iat_ms = claims["iat"] * 1000
        sid, user = claims.get("sid"), claims.get("sub")
        if sid is not None:
            if sid in self.sessions:
                return "the token's session was revoked"
        elif user in self.users and iat_ms <= self.users[user][0]:
            return "the user's tokens up to a cut-off were revoked"
        client = claims.get("client_id")
        if isinstance(client, str) and (user, client) in self.consents and iat_ms <= self.consents[(user, client)][0]:
            return f"the user's consent to client {client} was revoked"
        return None


class TesseraVerifier:
    def __init__(self, server_url, verifier_key, issuer, *, jwks_url=None, authorized_parties=None, audience=None,
                 leeway=5, stale_after=5.0, poll_wait=None, page_limit=1000, key_refresh_cooldown=10.0,
                 max_token_bytes=8192):
        self.server_url, self.verifier_key, self.issuer = server_url.rstrip("/"), verifier_key, issuer
        self.jwks_url, self.audience, self.leeway = jwks_url, audience, leeway
        self.authorized_parties = set(authorized_parties or [])
        self.stale_after, self.page_limit, self.max_token_bytes = stale_after, page_limit, max_token_bytes
        # The long poll must answer well within the staleness limit, or an idle feed would look stale.
        self.poll_wait = poll_wait if poll_wait is not None else max(1, min(25, int(stale_after / 2)))
        self.key_refresh_cooldown = key_refresh_cooldown
        self._keys, self._keys_lock, self._last_key_fetch, self._keys_due = {}, threading.Lock(), None, 0.0
        self._revocations, self._confirmed_at, self._cursor = _Revocations(), None, 0
        self.last_error, self._stop = None, threading.Event()
        self._threads = []

    # Life cycle

    def start(self):
        for target in (self._follow_keys, self._follow_feed):
            thread = threading.Thread(target=target, daemon=True, name=f"tessera-{target.__name__}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self):
        self._stop.set()

    def wait_until_current(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._keys and not self._stale():
                return True
            time.sleep(0.02)
        return False

    @property
    def status(self):
        age = None if self._confirmed_at is None else time.monotonic() - self._confirmed_at
        return {"keys": len(self._keys), "cursor": self._cursor, "revocations_age": age, "stale": self._stale(),
                "last_error": self.last_error}

    # Per request

    def verify(self, token):
        if not isinstance(token, str) or len(token) > self.max_token_bytes:
            raise TokenRejected("token_too_large" if isinstance(token, str) else "malformed", "not a token of an acceptable size")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenRejected("malformed", str(error)) from None
        if "crit" in header or header.get("typ", "JWT") != "JWT":
            raise TokenRejected("malformed", "a header with crit, or a typ other than JWT")
        kid = header.get("kid")
        key = self._key_for(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenRejected("unknown_key_id", "no key has the token's kid")
        algorithm = key.algorithm_name  # from the JWKS entry, never from the token
        if header.get("alg") != algorithm:
            raise TokenRejected("algorithm_mismatch", f"the key is pinned to {algorithm}")
        try:
            claims = jwt.decode(token, key, algorithms=[algorithm], issuer=self.issuer, audience=self.audience,
                                leeway=self.leeway, options={"require": ["exp", "iat", "sub"], "verify_iat": True})
        except jwt.InvalidSignatureError:
            raise TokenRejected("bad_signature", "the signature does not verify") from None
        except jwt.ExpiredSignatureError:
            raise TokenRejected("expired", "the token has expired") from None
        except jwt.ImmatureSignatureError as error:
            code = "issued_in_future" if "iat" in str(error) else "not_yet_valid"
            raise TokenRejected(code, "iat or nbf is in the future") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected("wrong_issuer", "iss is not the configured issuer") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected("wrong_audience", "aud does not name the configured audience") from None
        except jwt.MissingRequiredClaimError as error:
            raise TokenRejected("missing_claim", str(error)) from None
        except jwt.PyJWTError as error:
            raise TokenRejected("malformed", str(error)) from None
        try:  # PyJWT keeps the last of two equal members; Tessera refuses such a token, and so does this
            for part in token.split(".")[:2]:
                _strict_json(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except (FeedError, ValueError, binascii.Error):
            raise TokenRejected("malformed", "a header or payload with a duplicate member") from None
        if not _is_int(claims["iat"], -(2**53), 2**53) or claims["iat"] > time.time() + self.leeway:
            raise TokenRejected("issued_in_future", "iat is in the future or not an integer")
        if not isinstance(claims["sub"], str) or ("sid" in claims and not isinstance(claims["sid"], str)):
            raise TokenRejected("invalid_claim", "sub or sid is not a string")
        if self.authorized_parties and claims.get("azp") not in self.authorized_parties:
            raise TokenRejected("unauthorized_party", "azp is not an authorized party")
        reason = self._revocations.is_revoked(claims)
        if reason:
            raise TokenRejected("revoked", reason)
        if self._stale():
            raise TokenRejected("revocations_stale", f"the revocation feed is not current ({self.last_error or 'not confirmed yet'})")
        return claims

    # Keys

    def _key_for(self, kid):
        key = self._keys.get(kid)
        if key is not None:
            return key
        # An unknown kid may be a rotation: refetch, at most once per cooldown whatever kids a client makes up.
        with self._keys_lock:
            now = time.monotonic()
            if kid not in self._keys and (self._last_key_fetch is None or now - self._last_key_fetch >= self.key_refresh_cooldown):
                try:
                    self._fetch_keys()
                except Exception as error:  # noqa: BLE001 — any failure leaves the old keys in place
                    self.last_error = f"JWKS: {error}"
            return self._keys.get(kid)

    def _fetch_keys(self):
        """Called with _keys_lock held."""
        self._last_key_fetch = time.monotonic()
        url = self.jwks_url or self.server_url + "/v1/jwks"
        # The verifier key goes to Tessera only, never to a configured JWKS URL elsewhere.
        headers = {"Accept": "application/json"} if self.jwks_url else self._auth()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            jwks, max_age = _strict_json(response.read()), _max_age(response.headers.get("Cache-Control"))
        keys = {}
        for entry in jwks["keys"]:
            # A key is usable only with its own kid and alg; PyJWK refuses an alg that does not fit the key type.
            if isinstance(entry.get("kid"), str) and isinstance(entry.get("alg"), str) and entry.get("use", "sig") == "sig":
                pyjwk = jwt.PyJWK.from_dict(entry)
                pyjwk.algorithm_name = entry["alg"]
                keys[entry["kid"]] = pyjwk
        self._keys, self._keys_due = keys, time.monotonic() + max_age

    def _follow_keys(self):
        retry = 1.0
        while not self._stop.is_set():
            if time.monotonic() >= self._keys_due:
                with self._keys_lock:
                    try:
                        self._fetch_keys()
                        retry = 1.0
                    except Exception as error:  # noqa: BLE001
                        self.last_error, self._keys_due, retry = f"JWKS: {error}", time.monotonic() + retry, min(retry * 2, 30)
            self._stop.wait(min(1.0, max(0.01, self._keys_due - time.monotonic())))

    # Revocation feed

    def _auth(self):
        return {"Accept": "application/json", "Authorization": f"Bearer {self.verifier_key}"}

    def _stale(self):
        return self._confirmed_at is None or time.monotonic() - self._confirmed_at > self.stale_after

    def _fetch_feed(self, wait):
        url = f"{self.server_url}/v1/revocations?after={self._cursor}&wait={wait}&limit={self.page_limit}"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=self._auth()), timeout=wait + 10) as response:
                page = _strict_json(response.read())
        except urllib.error.HTTPError as error:
            raise FeedError(f"the feed answered {error.code}") from None
        if not isinstance(page, dict) or not isinstance(page.get("entries"), list) or not _is_int(page.get("cursor"), 0, 2**63 - 1) \
                or not isinstance(page.get("snapshot"), bool):
            raise FeedError("a feed answer without entries, cursor or snapshot")
        return page

    def _follow_feed(self):
        caught_up, rebuilding, retry, last_prune = False, None, 0.25, time.monotonic()
        while not self._stop.is_set():
            try:
                page = self._fetch_feed(self.poll_wait if caught_up else 0)
                received = time.monotonic()
                if page["snapshot"]:  # the cursor could not be continued: build a new set on the side
                    rebuilding = _Revocations()
                # Entries go into a copy that is swapped in whole: a reader never sees half a page.
                target = rebuilding if rebuilding is not None else self._revocations.copy() if page["entries"] else self._revocations
                for entry in page["entries"]:
                    target.apply(entry)
            except Exception as error:  # noqa: BLE001 — unreachable, refused, malformed or unknown: stop confirming
                # A snapshot being rebuilt is kept: its cursor has moved on, and re-applying a page is harmless.
                self.last_error, caught_up = f"feed: {error}", False
                if isinstance(error, FeedError):
                    self._confirmed_at = None  # an entry we cannot apply: refuse every token at once, not after stale_after
                self._stop.wait(retry)
                retry = min(retry * 2, 5.0)
                continue
            retry, self.last_error = 0.25, None
            caught_up = len(page["entries"]) < self.page_limit
            if rebuilding is None:
                self._revocations = target
            elif caught_up:
                self._revocations, rebuilding = rebuilding, None
            self._cursor = page["cursor"]
            if caught_up and rebuilding is None:
                self._confirmed_at = received
            if received - last_prune >= 60:
                last_prune, self._revocations = received, self._revocations.pruned(int(time.time() * 1000))
