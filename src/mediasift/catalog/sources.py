"""What a media follows, as ``media.source_uri`` keeps it (``services/versions.py``).

    upload, direct-upload, null    an upload that named no source: it follows nothing
    upload:<source>                an upload that named ``source`` (``mediasift ingest``: file://host/path)
    s3://bucket/key                a bucket's object (``services/bucket_objects.py``)

A named source is kept after ``upload:`` so that no client's name can be a bucket object's key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from mediasift.catalog.models import Media

UPLOAD = "upload"
SOURCE_PREFIX = "upload:"
UNNAMED = (None, UPLOAD, "direct-upload")


def source_of(media: Media) -> str | None:
    """The source a media follows, as its client or bucket named it; None for a plain upload."""
    uri = media.source_uri
    if uri in UNNAMED:
        return None
    return uri.removeprefix(SOURCE_PREFIX) if uri else None


def file_uri_forms(prefix: str) -> list[str]:
    """``prefix`` as given, and, for a ``file://`` one, its path percent-encoded as the CLI's
    sources are (``Path.as_uri``): a client that sends ``…/canción/`` in a query string, which
    HTTP decodes, finds the media of ``…/canci%C3%B3n/`` as one that sends it encoded twice does."""
    if not prefix.startswith("file://"):
        return [prefix]
    host, slash, path = prefix.removeprefix("file://").partition("/")
    encoded = "file://" + host + slash + quote(unquote(path), safe="/")
    return [prefix] if encoded == prefix else [prefix, encoded]
