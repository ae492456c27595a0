"""A place in a media, as reports write it: the web UI's link to it and a short label.

``player_link`` builds the same hash route the web UI's ``momentHref`` (``static/js/dom.js``) does,
``#/media/{id}?t=12.00&seg=…`` (or ``?page=3``), so a report's timestamp opens the player at that
second, or the document at that page, exactly as a search hit does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode


def player_link(
    base_url: str | None,
    media_id: str,
    start_s: float | None = None,
    page: int | None = None,
    segment_id: str | None = None,
) -> str:
    """The web UI's address of a media at a second (audio/video) or page; relative (``#/media/…``)
    when ``base_url`` is None."""
    params: dict[str, str] = {}
    if start_s is not None:
        params["t"] = f"{start_s:.2f}"
    elif page:
        params["page"] = str(page)
    if segment_id:
        params["seg"] = segment_id
    route = f"#/media/{quote(media_id, safe='')}" + (f"?{urlencode(params)}" if params else "")
    return f"{base_url.rstrip('/')}/{route}" if base_url else route


def artifact_url(base_url: str | None, media_id: str, name: str) -> str:
    """The API's address of one of a media's artifacts (it needs the caller's key, as the API does)."""
    path = f"/v1/media/{quote(media_id, safe='')}/artifacts/{quote(name)}"
    return f"{(base_url or '').rstrip('/')}{path}"


def clock(seconds: float) -> str:
    """``0:05``, ``12:34``, ``1:02:03``: as the web UI shows a second."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def where(start_s: float | None, page: int | None) -> str:
    """``0:12`` for a second, ``p. 3`` for a page, ``""`` when neither is known (plain text)."""
    if start_s is not None:
        return clock(start_s)
    if page:
        return f"p. {page}"
    return ""


def pages_of(media: Mapping[str, Any]) -> str:
    """``3 slides`` for a presentation, ``3 pages`` (``1 page``) for another document."""
    word = "slide" if "presentation" in str(media.get("mime") or "") else "page"
    count = media["pages"]
    return f"{count} {word}{'' if count == 1 else 's'}"


def pictures_title(media: Mapping[str, Any]) -> str:
    """What a media's pictures are called: a video's keyframes, a document's pictures."""
    return "Keyframes" if media.get("kind") == "video" else "Pictures"
