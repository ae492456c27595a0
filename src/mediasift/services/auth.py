"""API keys: created once (the secret is shown once), stored only as a peppered hash, scoped.

A key looks like ``msk_<43 url-safe characters>`` (256 random bits). The catalog keeps
``HMAC-SHA256(pepper, key)``: random keys need no slow hash (nothing to brute-force), and the
pepper — ``MEDIASIFT_API_KEY_PEPPER``, or a secret file in ``MEDIASIFT_HOME`` — means a stolen catalog
alone cannot be used to check guesses. Lookup is by that hash (a unique column).

Scopes: ``read`` (search, ask, media, jobs), ``write`` (upload, delete, reprocess, retry, cancel,
webhooks), ``admin`` (keys, dead-letter queue, queue stats, metrics, any tenant). ``admin`` implies
the other two.

Each request's key is looked up once per ``api_key_cache_s`` (2 s): the catalog read was a tenth of
a cached search's time. A revocation through this process takes effect at once; one made by another
process (the CLI, another API server) within that time.

Users: a key may belong to one user of its tenant (``--user``); requests with it act as that
user. A key without a user acts for the tenant and may name a user with ``X-Mediasift-User``, as may
any request in open mode; personal data (signals, profile, saved searches) is kept per tenant and
user.

Open mode: while no un-revoked key exists the API serves one default tenant without keys (and may
name another with ``X-Mediasift-Tenant``); ``mediasift serve`` only allows that on loopback.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ulid import ULID

from mediasift.catalog import keys
from mediasift.catalog.db import Catalog
from mediasift.config import Settings
from mediasift.errors import BackendUnavailable, Forbidden, InvalidRequest, Unauthorized

if TYPE_CHECKING:
    from mediasift.catalog.models import ApiKey

SCOPES = ("read", "write", "admin")
KEY_PREFIX = "msk_"
PEPPER_FILE = "api_key_pepper"
_TENANT = re.compile(r"[A-Za-z0-9_\-]{1,64}")
USER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}$"
_USER = re.compile(USER_ID_PATTERN)
_catalogs_with_keys: weakref.WeakSet[Catalog] = weakref.WeakSet()  # see keys_exist
_no_keys_until: weakref.WeakKeyDictionary[Catalog, float] = weakref.WeakKeyDictionary()
# catalog → key hash → (who it is, or None for an unknown or revoked key; monotonic expiry)
_seen: weakref.WeakKeyDictionary[Catalog, dict[str, tuple[Principal | None, float]]] = (
    weakref.WeakKeyDictionary()
)
_seen_lock = threading.Lock()
_SEEN_MAX = 10_000  # distinct hashes remembered per catalog: guessed keys must not grow memory
_peppers: dict[str, bytes] = {}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a tenant, its scopes, the key (None in open mode) and the user of the
    tenant it acts as (None: the tenant, no one in particular)."""

    tenant_id: str
    scopes: frozenset[str]
    key_id: str | None = None
    user_id: str | None = None
    key_user: bool = False  # the user is the key's own, not one a request named

    @property
    def open_mode(self) -> bool:
        return self.key_id is None

    def has(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


@dataclass(frozen=True, slots=True)
class CreatedKey:
    id: str
    tenant_id: str
    scopes: list[str]
    name: str | None
    created_at: datetime
    secret: str  # shown once; only its hash is stored
    user_id: str | None = None


def check_tenant_id(tenant_id: str) -> str:
    if not _TENANT.fullmatch(tenant_id):
        raise InvalidRequest("tenant ids are 1-64 letters, digits, '_' or '-'")
    return tenant_id


def check_user_id(user_id: str) -> str:
    if not _USER.fullmatch(user_id):
        raise InvalidRequest(
            "user ids are 1-64 letters, digits, '_', '-', '.' or '@', starting with a letter or digit"
        )
    return user_id


def _scope_order(scope: str) -> int:
    if scope not in SCOPES:
        raise InvalidRequest(f"unknown scope {scope!r}; scopes are {', '.join(SCOPES)}")
    return SCOPES.index(scope)


def normalise_scopes(scopes: str | list[str]) -> list[str]:
    """Scopes from 'read,write' or a list: validated, deduplicated, in canonical order."""
    items = scopes.split(",") if isinstance(scopes, str) else scopes
    wanted = sorted({s.strip().lower() for s in items if s.strip()}, key=_scope_order)
    if not wanted:
        raise InvalidRequest(f"give at least one scope of {', '.join(SCOPES)}")
    return wanted


def pepper(settings: Settings, catalog: Catalog | None = None) -> bytes:
    """The hashing pepper: the setting, else a random secret kept (0600) in the data directory,
    made by the first use. Not made anew where ``catalog`` already holds keys: they were hashed
    with the one that is missing (a home restored without it, an API replica given another home),
    and a new one had turned every key into a 401 without a word (``BackendUnavailable``)."""
    if settings.api_key_pepper:
        return settings.api_key_pepper.encode()
    path = Path(settings.home) / PEPPER_FILE
    if (known := _peppers.get(str(path))) is not None:
        return known  # read once: it never changes, and every request hashes its key with it
    stored = _stored_pepper(path)
    if stored:
        _peppers[str(path)] = stored
        return stored
    if catalog is not None and (problem := pepper_problem(settings, catalog)):
        raise BackendUnavailable(problem)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    if stored is not None:  # an empty file, and no key hashed with it: made anew in its place
        path.chmod(0o600)  # before the secret is in it
        path.write_bytes(value)
        return value
    try:  # O_EXCL: two processes racing to create it agree on the first one's value
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(value)
    return value


_MADE_PEPPER = re.compile(rb"[0-9a-f]{64}")  # what ``pepper`` writes


def _stored_pepper(path: Path) -> bytes | None:
    """The pepper file's secret: None when there is no file, ``b""`` when it holds nothing (a
    process killed as it made it, a restore that emptied it). A pepper of the kind ``pepper``
    makes, written back with a line break or spaces around it (by an editor, by ``echo``), is
    read without them: with them, every key had been "invalid or revoked"."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    stripped = raw.strip()
    return stripped if not stripped or _MADE_PEPPER.fullmatch(stripped) else raw


def pepper_problem(settings: Settings, catalog: Catalog) -> str | None:
    """Why no key can be checked (the pepper missing or empty while keys exist), for ``/ready``,
    ``mediasift doctor`` and ``serve``'s start; None when keys can be checked."""
    if settings.api_key_pepper:
        return None
    stored = _stored_pepper(Path(settings.home) / PEPPER_FILE)
    if stored or not keys_exist(catalog):
        return None
    return (
        f"the API-key pepper ({PEPPER_FILE} in this server's home) is "
        f"{'missing' if stored is None else 'empty'}, and the catalog holds API keys hashed with it: "
        "restore the file from a backup of the home, or set MEDIASIFT_API_KEY_PEPPER to its value "
        "(docs/operations.md, Backups); to give those keys up, set MEDIASIFT_API_KEY_PEPPER to a "
        "new secret and create new keys"
    )


def hash_key(settings: Settings, secret: str, catalog: Catalog | None = None) -> str:
    """The key's stored form; ``catalog``: the one whose keys it is checked against (``pepper``)."""
    return hmac.new(pepper(settings, catalog), secret.encode(), hashlib.sha256).hexdigest()


def create_key(
    catalog: Catalog,
    settings: Settings,
    tenant_id: str,
    scopes: str | list[str],
    name: str | None = None,
    user_id: str | None = None,
) -> CreatedKey:
    """A new key of ``tenant_id``; with ``user_id``, the key acts as that user of the tenant."""
    check_tenant_id(tenant_id)
    if user_id is not None:
        check_user_id(user_id)
    wanted = normalise_scopes(scopes)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    digest = hash_key(settings, secret, catalog)
    with catalog.session() as s:
        row = keys.add_key(s, str(ULID()), tenant_id, digest, wanted, (name or "")[:200] or None, user_id)
    _catalogs_with_keys.add(catalog)
    return CreatedKey(row.id, tenant_id, wanted, row.name, row.created_at, secret, user_id)


def list_keys(catalog: Catalog, tenant_id: str | None = None) -> list[ApiKey]:
    """Keys (never their secrets), newest first; revoked ones included with ``revoked_at``."""
    with catalog.read_session() as s:
        return keys.list_keys(s, tenant_id)


def revoke_key(catalog: Catalog, key_id: str, tenant_id: str | None = None) -> ApiKey:
    """Revoke a key (idempotent); with tenant_id, another tenant's key is reported as not found."""
    with catalog.session() as s:
        row = keys.revoke_key(s, key_id, tenant_id)
    forget_keys(catalog)  # this process stops honouring it now, not a cache lifetime later
    return row


def forget_keys(catalog: Catalog) -> None:
    """Drop what this process remembers about the catalog's keys (after revoking some)."""
    with _seen_lock:
        _seen.pop(catalog, None)


def keys_exist(catalog: Catalog, ttl_s: float = 0.0) -> bool:
    """True once any key has been created, revoked or not: from then on every API request needs one.

    Revoked keys count on purpose: revoking is a security action, so revoking the last key locks
    the API (``mediasift keys create`` opens it again) instead of silently returning it to open
    mode, with every scope, on whatever address the server was started on.

    Keys are never deleted, so once this is True it stays True and the catalog is not asked again;
    False is asked again after ``ttl_s``, because another process (the CLI) may create the first
    key; a key created through this process ends open mode at once (``create_key``)."""
    known = keys_exist_known(catalog)
    if known is not None:
        return known
    with catalog.read_session() as s:
        found = keys.any_key(s)
    if found:
        _catalogs_with_keys.add(catalog)
    elif ttl_s > 0:
        _no_keys_until[catalog] = time.monotonic() + ttl_s
    return found


def keys_exist_known(catalog: Catalog) -> bool | None:
    """``keys_exist`` as far as this process knows without asking the catalog; None: ask it."""
    if catalog in _catalogs_with_keys:
        return True
    if time.monotonic() < _no_keys_until.get(catalog, 0.0):
        return False
    return None


def authenticate_known(catalog: Catalog, settings: Settings, secret: str) -> Principal | None:
    """``authenticate`` as far as this process remembers, without asking the catalog: the key's
    principal, ``Unauthorized`` for a key known to be invalid, None when the catalog must be asked
    (lets the API answer on its event loop, with no thread hop, when nothing blocks)."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        raise Unauthorized("invalid API key")
    with _seen_lock:
        seen = _seen.get(catalog, {}).get(hash_key(settings, secret, catalog))
    if seen is None or time.monotonic() >= seen[1]:
        return None
    if seen[0] is None:
        raise Unauthorized("invalid or revoked API key")
    return seen[0]


def authenticate(catalog: Catalog, settings: Settings, secret: str) -> Principal:
    remembered = authenticate_known(catalog, settings, secret)
    if remembered is not None:
        return remembered
    digest = hash_key(settings, secret, catalog)
    now = time.monotonic()
    with catalog.read_session() as s:
        row = keys.key_by_hash(s, digest)
        # compare_digest: the lookup matched on the hash; re-check in constant time anyway so
        # a database collation quirk can never make a near-miss match.
        principal = None
        if row is not None and hmac.compare_digest(row.hash, digest) and row.revoked_at is None:
            scopes, user = frozenset(row.scopes.split(",")), row.user_id
            principal = Principal(row.tenant_id, scopes, row.id, user, user is not None)
    if settings.api_key_cache_s > 0:
        with _seen_lock:
            known = _seen.setdefault(catalog, {})
            if len(known) >= _SEEN_MAX:
                known.clear()
            known[digest] = (principal, now + settings.api_key_cache_s)
    if principal is None:
        raise Unauthorized("invalid or revoked API key")
    return principal


def open_principal(tenant_id: str) -> Principal:
    return Principal(check_tenant_id(tenant_id), frozenset(SCOPES), None)


def as_user(principal: Principal, user_id: str | None) -> Principal:
    """``principal`` acting as the user a request named (``X-Mediasift-User``): allowed in open mode
    and for a key without a user; a key that belongs to a user may name only that user, unless it
    has ``admin``."""
    if user_id is None or user_id == principal.user_id:
        return principal
    check_user_id(user_id)
    if principal.key_user and "admin" not in principal.scopes:
        raise Forbidden("this key belongs to one user; X-Mediasift-User may name only that user")
    return replace(principal, user_id=user_id, key_user=False)
