"""Webhooks: a tenant subscribes a URL to job events; deliveries are signed, retried and recorded.

Events: ``media.succeeded``, ``media.failed`` (an attempt failed; it will be retried),
``media.dead`` (out of attempts), ``media.cancelled``, ``media.nutrition_ready`` (a media's
nutrition analysis succeeded; docs/nutrition.md), ``media.conversion_ready`` and
``media.conversion_failed`` (a conversion was written / its job is dead; docs/conversions.md),
``saved_search.matched`` (a new media matched a user's saved search; docs/personalization.md) and
``media.workflow_done`` (a workflow's notify step names the webhook: docs/workflows.md).
A delivery is a POST of a JSON body ``{"id", "event", "created_at", "data": {...}}`` with headers::

    X-Mediasift-Event: media.succeeded
    X-Mediasift-Delivery: <delivery id>           (the same on every retry: receivers dedupe on it)
    X-Mediasift-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

Receivers recompute the HMAC with the secret returned when the webhook was created and reject
old timestamps (replays). A non-2xx answer or a network error is retried with exponential backoff
up to ``webhook_max_attempts``; every attempt's status is kept in ``webhook_delivery``.

SSRF guard: a webhook URL must be http(s) and every address its host resolves to must be public —
private, loopback, link-local, multicast, reserved and unspecified addresses are refused, at
creation and again at every delivery (DNS can change) — unless ``webhook_allow_hosts`` lists the
host name or a network containing the address. Redirects are not followed. A delivery connects to
the address that was just checked (the URL is rewritten to it; ``Host`` and the TLS server name
stay the original host's), so DNS cannot answer differently between the check and the connection.

With ``sns_topic_arn`` set, each event is also published to that SNS topic (scale-out).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx
from ulid import ULID

from mediasift import meters
from mediasift.catalog import webhooks as repo
from mediasift.errors import Conflict, InvalidRequest

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

if TYPE_CHECKING:
    from mediasift.catalog.models import Webhook, WebhookDelivery
    from mediasift.config import Settings
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.webhooks")
Event = Literal[
    "media.succeeded",
    "media.failed",
    "media.dead",
    "media.cancelled",
    "media.nutrition_ready",
    "media.conversion_ready",
    "media.conversion_failed",
    "saved_search.matched",
    "media.workflow_done",
]
EVENTS: tuple[str, ...] = get_args(Event)
MAX_WEBHOOKS_PER_TENANT = 20
_LEASE_S = 60.0


# -- the SSRF guard ------------------------------------------------------------------------------


def _allowed_by_setting(host: str, address: IpAddress, allow: Iterable[str]) -> bool:
    for entry in allow:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name that is not this one
    return False


def _is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, whatever its spelling
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_url(url: str, settings: Settings) -> str:
    """The URL if a webhook may be sent there, else ``InvalidRequest`` saying why."""
    _checked_addresses(url, settings)
    return url


@dataclass(frozen=True, slots=True)
class PinnedTarget:
    """Where one delivery goes: ``url`` names the checked address; ``host`` and ``sni`` the original."""

    url: str
    host: str
    sni: str | None


def pin(url: str, settings: Settings) -> PinnedTarget:
    """Check ``url`` and point it at the first address the check approved."""
    parts, addresses = _checked_addresses(url, settings)
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    return PinnedTarget(
        url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        host=parts.netloc,
        sni=parts.hostname if parts.scheme == "https" else None,
    )


def _checked_addresses(url: str, settings: Settings) -> tuple[SplitResult, list[IpAddress]]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("webhook url must be an http(s) URL with a host")
    if parts.username or parts.password:
        raise InvalidRequest("webhook url must not carry credentials")
    if len(url) > 2000:
        raise InvalidRequest("webhook url is longer than 2000 characters")
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError, ValueError):
        raise InvalidRequest(f"webhook host {host!r} does not resolve") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not _is_public(address) and not _allowed_by_setting(host, address, settings.webhook_allow_hosts):
            raise InvalidRequest(
                f"webhook host {host!r} resolves to a non-public address ({address}); "
                "list it in MEDIASIFT_WEBHOOK_ALLOW_HOSTS to permit it"
            )
        addresses.append(address)
    if not addresses:
        raise InvalidRequest(f"webhook host {host!r} does not resolve")
    return parts, addresses


# -- subscriptions -------------------------------------------------------------------------------


def create_webhook(
    rt: Runtime, tenant_id: str, url: str, events: list[str], name: str | None = None
) -> Webhook:
    """Subscribe; the returned row carries the signing secret (shown to the caller once). ``name``
    (unique in the tenant) is what a workflow's notify step calls it."""
    wanted = sorted(set(events))
    unknown = [e for e in wanted if e not in EVENTS]
    if not wanted or unknown:
        raise InvalidRequest(f"events must be a non-empty subset of {', '.join(EVENTS)}")
    check_url(url, rt.settings)
    with rt.catalog.session() as s:
        if repo.count_webhooks(s, tenant_id) >= MAX_WEBHOOKS_PER_TENANT:
            raise InvalidRequest(f"a tenant may have at most {MAX_WEBHOOKS_PER_TENANT} webhooks")
        if name is not None and repo.webhook_by_name(s, tenant_id, name) is not None:
            raise Conflict(f"a webhook named {name!r} exists already")
        secret = "whsec_" + secrets.token_urlsafe(32)
        hook = repo.add_webhook(s, str(ULID()), tenant_id, url, wanted, secret)
        hook.name = name
        return hook


def list_webhooks(rt: Runtime, tenant_id: str) -> list[Webhook]:
    with rt.catalog.read_session() as s:
        return repo.list_webhooks(s, tenant_id)


def get_webhook(rt: Runtime, tenant_id: str, webhook_id: str) -> Webhook:
    with rt.catalog.read_session() as s:
        return repo.get_webhook(s, tenant_id, webhook_id)


def delete_webhook(rt: Runtime, tenant_id: str, webhook_id: str) -> None:
    with rt.catalog.session() as s:
        repo.delete_webhook(s, tenant_id, webhook_id)


def list_deliveries(rt: Runtime, tenant_id: str, webhook_id: str, limit: int = 100) -> list[WebhookDelivery]:
    with rt.catalog.read_session() as s:
        repo.get_webhook(s, tenant_id, webhook_id)
        return repo.list_deliveries(s, tenant_id, webhook_id, limit)


# -- delivery ------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Mediasift-Signature`` value for a body sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(
    secret: str, header: str, body: bytes, tolerance_s: float = 300.0, now: float | None = None
) -> bool:
    """What a receiver does: recompute the signature and refuse stale timestamps."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def backoff_s(attempts: int, settings: Settings) -> float:
    return min(settings.webhook_backoff_max_s, settings.webhook_backoff_base_s * 2 ** max(0, attempts - 1))


def _claim_due(rt: Runtime, limit: int = 20) -> list[str]:
    now = time.time()
    # Nearly every poll finds nothing due. Looking first on a read session keeps those polls (two
    # a second in every process with workers) from taking SQLite's write lock, which a worker
    # finishing a media would otherwise wait behind, and from a write transaction on PostgreSQL.
    with rt.catalog.read_session() as s:
        if not repo.any_due(s, now):
            return []
    with rt.catalog.session() as s:
        return repo.claim_due(s, now, lease_until=now + _LEASE_S, limit=limit)


def deliver(rt: Runtime, delivery_id: str, http: httpx.Client) -> str:
    """Attempt one delivery; returns its new status (delivered, pending, failed)."""
    settings = rt.settings
    with rt.catalog.session() as s:
        found = repo.delivery_with_webhook(s, delivery_id)
        if found is None:
            return "failed"
        delivery, hook = found
        url, secret, payload, event = hook.url, hook.secret, delivery.payload, delivery.event
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    code: int | None = None
    error: str | None = None
    try:
        target = pin(url, settings)
        response = http.post(
            target.url,
            content=body,
            extensions={"sni_hostname": target.sni} if target.sni else None,
            headers={
                "Host": target.host,
                # Pools key connections by address: one TLS session must never carry another host.
                "Connection": "close",
                "Content-Type": "application/json",
                "User-Agent": "mediasift-webhooks",
                "X-Mediasift-Event": event,
                "X-Mediasift-Delivery": delivery_id,
                "X-Mediasift-Signature": sign(secret, int(time.time()), body),
            },
        )
        code = response.status_code
        if not 200 <= code < 300:
            error = f"receiver answered {code}"
    except InvalidRequest as exc:
        error = exc.message
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]

    def retry_at(attempts: int) -> float | None:
        if attempts >= settings.webhook_max_attempts:
            return None
        return time.time() + backoff_s(attempts, settings)

    with rt.catalog.session() as s:
        status = repo.record_attempt(s, delivery_id, code, error, retry_at)
    if status is None:
        return "failed"
    meters.WEBHOOK_DELIVERIES.labels(status).inc()
    return status


def dispatch_due(rt: Runtime, http: httpx.Client) -> int:
    """Send every delivery that is due now; returns how many were attempted."""
    claimed = _claim_due(rt)
    _deliver_all(rt, claimed, http)
    return len(claimed)


def _deliver_all(rt: Runtime, claimed: list[str], http: httpx.Client) -> None:
    for delivery_id in claimed:
        deliver(rt, delivery_id, http)


def _client(settings: Settings) -> httpx.Client:
    return httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False)


def start_dispatcher(rt: Runtime, interval_s: float = 0.5) -> threading.Thread:
    """One background thread per runtime sending due deliveries until the runtime stops."""
    existing = rt.__dict__.get("_webhook_dispatcher")
    if existing is not None:
        return existing

    def run() -> None:
        # The client is made at the first delivery: building it (its TLS context, the CA bundle
        # read and parsed) took ~43 ms of the interpreter in a new process, not worth paying in
        # one that sends nothing, such as a CLI command's, while that command starts.
        http: httpx.Client | None = None
        try:
            while not rt.stopping.wait(interval_s):
                try:
                    while claimed := _claim_due(rt):
                        http = http or _client(rt.settings)
                        _deliver_all(rt, claimed, http)
                except Exception:  # a catalog hiccup must not end notifications for good
                    log.exception("webhook dispatch failed; retrying")
        finally:
            if http is not None:
                http.close()

    thread = threading.Thread(target=run, name="webhook-dispatcher", daemon=True)
    rt.__dict__["_webhook_dispatcher"] = thread
    thread.start()
    return thread
