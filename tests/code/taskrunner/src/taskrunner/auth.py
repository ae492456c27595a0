"""API tokens for the dashboard."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def hash_password(password: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    """A salted PBKDF2-SHA256 hash of ``password`` and its salt."""
    salt = salt or secrets.token_bytes(16)
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 200_000), salt


def verify_token(token: str, secret: bytes) -> str | None:
    """The user a ``user.signature`` token was issued to, or None when it was tampered with.

    The signature is compared with ``hmac.compare_digest`` so that the time the check takes does
    not leak how many characters were right.
    """
    user, _, signature = token.rpartition(".")
    expected = hmac.new(secret, user.encode(), hashlib.sha256).hexdigest()
    return user if user and hmac.compare_digest(signature, expected) else None
