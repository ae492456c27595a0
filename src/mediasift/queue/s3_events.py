"""S3 bucket event notifications, as SQS delivers them, and the object-key pattern that names tenants.

Objects created (``ObjectCreated:*``) become media; objects removed (``ObjectRemoved:*``: a delete,
or a delete marker in a versioned bucket) delete the media made from them.

An S3 bucket configured to notify an SQS queue sends the standard AWS event JSON::

    {"Records": [{"eventName": "ObjectCreated:Put",
                  "s3": {"bucket": {"name": "media-raw"},
                         "object": {"key": "clients/acme/products/SKU-1/media/video/a+b.mp4",
                                    "size": 1048576, "eTag": "9b2c...", "sequencer": "0065..."}}}]}

Object keys arrive URL-encoded with ``+`` for spaces (``unquote_plus`` decodes them). When the
notification is first configured S3 sends one ``{"Event": "s3:TestEvent", ...}`` message, which
carries no records. Notifications routed through SNS arrive wrapped in an SNS envelope whose
``Message`` is the same JSON; both shapes are understood.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

log = logging.getLogger("mediasift.bucket_events")


@dataclass(frozen=True, slots=True)
class ObjectCreated:
    """One object that appeared in a bucket. ``size`` is bytes; ``etag`` is S3's, without quotes."""

    bucket: str
    key: str  # decoded: "a b.mp4", not "a+b.mp4"
    size: int
    etag: str
    # S3's per-key ordering token: of two events for one key, the larger sequencer is the later write.
    sequencer: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectRemoved:
    """One object deleted from a bucket (or hidden by a delete marker in a versioned bucket)."""

    bucket: str
    key: str  # decoded, as ``ObjectCreated.key``
    sequencer: str | None = None


BucketEvent = ObjectCreated | ObjectRemoved


def is_earlier(sequencer: str | None, than: str | None) -> bool:
    """Whether an event with ``sequencer`` happened before one with ``than`` on the same key.

    S3's rule: right-pad the shorter hexadecimal string with zeros, then compare them as strings.
    Unknown on either side (a hand-made event, media made before sequencers were kept) is never
    earlier, so such an event is applied.
    """
    if not sequencer or not than:
        return False
    width = max(len(sequencer), len(than))
    return sequencer.upper().ljust(width, "0") < than.upper().ljust(width, "0")


class NotAnS3Event(ValueError):
    """The message body is not an S3 event notification (e.g. it is a job message)."""


def parse_s3_event(body: str | bytes | dict[str, Any]) -> list[BucketEvent]:
    """The ``ObjectCreated`` and ``ObjectRemoved`` records of one notification body, in order.

    Returns ``[]`` for a notification with nothing to do: ``s3:TestEvent``, or only other records
    (``ObjectRestore:*``, replication, lifecycle transitions...). Raises ``NotAnS3Event`` for
    anything that is not an S3 notification at all, so a caller can tell "ignore" from "this
    belongs to someone else".
    """
    message = _load(body)
    if message.get("Type") == "Notification" and isinstance(message.get("Message"), str):
        message = _load(message["Message"])  # S3 -> SNS -> SQS
    if message.get("Event") == "s3:TestEvent":
        return []
    records = message.get("Records")
    if not isinstance(records, list) or not all(_is_s3_record(r) for r in records):
        raise NotAnS3Event("message has no S3 event records")
    events: list[BucketEvent] = []
    unreadable = []
    for number, record in enumerate(records, 1):
        name = str(record.get("eventName", ""))
        try:
            if name.startswith("ObjectCreated:"):
                events.append(_object_created(record))
            elif name.startswith("ObjectRemoved:"):
                events.append(_object_removed(record))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            # A record without its object's key, or with a size that is not a number: the rest
            # of the message is still read (a KeyError had failed every receive of all of it).
            unreadable.append(f"record {number} ({name or 'no eventName'}): {type(e).__name__} {e}")
    if unreadable and not events:
        raise NotAnS3Event("unreadable S3 event records: " + "; ".join(unreadable[:5]))
    for said in unreadable:
        log.error("S3 event %s: skipped", said)
    return events


def _load(body: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise NotAnS3Event(f"message body is not JSON: {e}") from None
    except RecursionError:  # json's decoder recurses once per nested array or object
        raise NotAnS3Event("message body nests its JSON too deep to read") from None
    if not isinstance(message, dict):
        raise NotAnS3Event("message body is not a JSON object")
    return message


def _is_s3_record(record: Any) -> bool:
    return isinstance(record, dict) and record.get("eventSource") in ("aws:s3", None) and "s3" in record


def _object_created(record: dict[str, Any]) -> ObjectCreated:
    s3 = record["s3"]
    obj = s3.get("object", {})
    return ObjectCreated(
        bucket=s3["bucket"]["name"],
        key=unquote_plus(obj["key"]),
        size=int(obj.get("size", 0)),
        etag=str(obj.get("eTag", "")).strip('"'),
        sequencer=obj.get("sequencer"),
    )


def _object_removed(record: dict[str, Any]) -> ObjectRemoved:
    s3 = record["s3"]
    obj = s3.get("object", {})
    return ObjectRemoved(
        bucket=s3["bucket"]["name"], key=unquote_plus(obj["key"]), sequencer=obj.get("sequencer")
    )


# -- key patterns --------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@lru_cache(maxsize=32)
def _compile(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    names: set[str] = set()
    last = 0
    for m in _PLACEHOLDER.finditer(pattern):
        name = m.group(1)
        if name in names:
            raise ValueError(f"key pattern {pattern!r} names {{{name}}} twice")
        names.add(name)
        parts.append(re.escape(pattern[last : m.start()]))
        parts.append(f"(?P<{name}>[^/]+)")  # one path segment, never across a "/"
        last = m.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts))


def match_key(pattern: str, key: str) -> dict[str, str] | None:
    """The placeholder values of a decoded object key, or None when the key does not fit the pattern.

    ``match_key("clients/{tenant}/products/{sku}/media/{media_type}/{filename}",
    "clients/acme/products/SKU-1/media/video/a b.mp4")`` is ``{"tenant": "acme", "sku": "SKU-1",
    "media_type": "video", "filename": "a b.mp4"}``.

    Each placeholder matches exactly one non-empty path segment. A segment that is ``.`` or ``..``
    or holds a control character makes the key not match, so no value can climb out of a directory
    when joined into a path; ``filename`` additionally has backslashes replaced by ``_``, so it is a
    plain file name on every platform.
    """
    m = _compile(pattern).fullmatch(key)
    if m is None:
        return None
    values = m.groupdict()
    for value in values.values():
        if value in (".", "..") or any(unicodedata.category(c) == "Cc" for c in value):
            return None
    if "filename" in values:
        filename = values["filename"].replace("\\", "_")
        if filename.strip(". ") == "":  # "...", " ." are no file names either
            return None
        values["filename"] = filename
    return values


@dataclass(slots=True)
class EventDelivery:
    """Bucket events received from a queue, leased like a job: ack once the media and jobs exist.

    Has the same ``receipt`` and ``attempts`` as a ``Lease``, so a queue's ``ack``/``retry``/``extend``
    take either.
    """

    events: list[BucketEvent]
    receipt: str
    attempts: int
