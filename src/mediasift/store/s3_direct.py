"""Presigned S3 requests for direct uploads: the client sends bytes straight to the bucket.

- ``presigned_post``: an HTML-form POST whose policy pins the key, the exact size
  (``content-length-range``) and the ``Content-Type``; S3 refuses anything else.
- ``presigned_put``: the same as a PUT (mobile clients), ``Content-Type`` and
  ``Content-Length`` signed, so a different type or size fails the signature.
- multipart (files over ``direct_upload_multipart_bytes``): ``create_multipart`` (type fixed at
  creation), one presigned ``UploadPart`` URL per part, ``complete_multipart``, ``abort_multipart``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from mediasift.errors import InvalidRequest

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part but the last
MAX_PARTS = 10_000


@dataclass(frozen=True, slots=True)
class Part:
    number: int
    bytes: int
    url: str


def presigned_post(
    client: S3Client, bucket: str, key: str, size: int, content_type: str, expires_s: int
) -> dict[str, Any]:
    fields = {"Content-Type": content_type}
    conditions: list[Any] = [{"Content-Type": content_type}, ["content-length-range", size, size]]
    post = client.generate_presigned_post(
        bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_s
    )
    return {"url": post["url"], "fields": dict(post["fields"])}


def presigned_put(
    client: S3Client, bucket: str, key: str, size: int, content_type: str, expires_s: int
) -> dict[str, Any]:
    params = {"Bucket": bucket, "Key": key, "ContentType": content_type, "ContentLength": size}
    url = client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_s)
    return {"url": url, "headers": {"Content-Type": content_type, "Content-Length": str(size)}}


def part_sizes(size: int, part_bytes: int) -> list[int]:
    """Sizes of the parts of a ``size``-byte object: ``part_bytes`` each (raised until there are
    at most 10,000 parts, S3's limit), the last one the remainder."""
    part = max(part_bytes, MIN_PART_BYTES, math.ceil(size / MAX_PARTS))
    count = max(1, math.ceil(size / part))
    return [part] * (count - 1) + [size - part * (count - 1)]


def create_multipart(
    client: S3Client, bucket: str, key: str, size: int, content_type: str, part_bytes: int, expires_s: int
) -> tuple[str, list[Part]]:
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key, ContentType=content_type)["UploadId"]
    parts = []
    for number, length in enumerate(part_sizes(size, part_bytes), start=1):
        params = {
            "Bucket": bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumber": number,
            "ContentLength": length,
        }
        url = client.generate_presigned_url("upload_part", Params=params, ExpiresIn=expires_s)
        parts.append(Part(number, length, url))
    return upload_id, parts


def complete_multipart(
    client: S3Client, bucket: str, key: str, upload_id: str, parts: list[tuple[int, str]], size: int
) -> None:
    """Join the parts the client names (number, ETag) after checking with S3 that they are all
    there and add up to the declared size: a wrong size never becomes an object."""
    listed: dict[int, Any] = {}
    marker = 0
    while True:
        page = client.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker)
        listed.update({p["PartNumber"]: p for p in page.get("Parts", [])})
        if not page.get("IsTruncated"):
            break
        marker = page["NextPartNumberMarker"]
    numbers = [n for n, _ in parts]
    if sorted(numbers) != numbers or len(set(numbers)) != len(numbers) or not numbers:
        raise InvalidRequest("parts must be listed once each, in ascending order of number")
    missing = [n for n in numbers if n not in listed]
    if missing:
        raise InvalidRequest(f"parts not uploaded: {', '.join(map(str, missing))}")
    total = sum(int(listed[n]["Size"]) for n in numbers)
    if total != size:
        raise InvalidRequest(f"the parts hold {total} bytes, the upload declared {size}")
    client.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        MultipartUpload=cast(Any, {"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]}),
    )


def abort_multipart(client: S3Client, bucket: str, key: str, upload_id: str) -> None:
    client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)


def delete(client: S3Client, bucket: str, key: str) -> None:
    client.delete_object(Bucket=bucket, Key=key)
