"""Cursors for lists read newest first: a page's last row says where the next page starts.

An offset counts rows, so a page read after a media was added (or deleted) above it repeats (or
skips) rows; a cursor names the last row read, by its ``created_at`` and id (the lists' order),
and the next page is every row below it, whatever was added or deleted meanwhile. The token is
opaque to clients: URL-safe base64 of the instant and the id.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_

from mediasift.errors import InvalidRequest

Cursor = tuple[datetime, str]
_Q = TypeVar("_Q", bound=Select[Any])
_NOT_OURS = "cursor: not a cursor this list gave (pass a page's next_cursor as it is)"


def cursor_of(created_at: datetime, row_id: str) -> str:
    """The token of the page that starts after this row."""
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def read_cursor(token: str) -> Cursor:
    """The row a token names; ``InvalidRequest`` for a token no page gave."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        instant, row_id = raw.split("|", 1)
        at = datetime.fromisoformat(instant)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidRequest(_NOT_OURS) from None
    if at.tzinfo is None or not row_id:
        raise InvalidRequest(_NOT_OURS)
    return at, row_id


def below(q: _Q, model: Any, cursor: Cursor | None) -> _Q:
    """``q`` (ordered by ``created_at`` then ``id``, both descending) from the row after ``cursor``."""
    if cursor is None:
        return q
    at, row_id = cursor
    return q.where(or_(model.created_at < at, and_(model.created_at == at, model.id < row_id)))
