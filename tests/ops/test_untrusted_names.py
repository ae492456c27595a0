"""Upload filenames and S3 object keys are display text, never paths: every original lands at
raw/{tenant}/{media_id}/original{ext}, names are stored NFC-normalised without directories, and
nothing is written outside MEDIASIFT_HOME."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest

from mediasift import factory
from mediasift.config import Settings
from mediasift.queue.s3_events import EventDelivery, ObjectCreated
from mediasift.runtime import Runtime
from mediasift.worker.bucket_events import ingest_delivery
from tests.aws_fixtures import REGION
from tests.ops.test_uploads import HEADERS, multipart

NFD_NAME = unicodedata.normalize("NFD", "Crème brûlée recette.txt")

# (name as sent, name stored): directories and separators of either platform are dropped;
# look-alike slashes (U+2215, U+FF0F) are not separators anywhere, so they stay text.
HOSTILE_NAMES = [
    ("../../etc/passwd", "passwd"),
    ("/abs/path.txt", "path.txt"),
    ("a\\..\\b.txt", "b.txt"),
    ("C:\\Windows\\win.ini", "win.ini"),
    ("..", "upload"),
    (NFD_NAME, "Crème brûlée recette.txt"),
    ("\u2215etc\u2215shadow.txt", "\u2215etc\u2215shadow.txt"),
    ("\uff0e\uff0e\uff0fsecret.txt", "\uff0e\uff0e\uff0fsecret.txt"),
    # Bidirectional controls would show "invoice\u202etxt.exe" as "invoiceexe.txt"; C1 controls
    # and Unicode line separators would break the name over lines: all are removed.
    ("invoice\u202etxt.exe", "invoicetxt.exe"),
    ("\u2066a\u2069\u200e\u200f\u061cb.txt", "ab.txt"),
    ("line\u2028para\u2029next\x85c1\x9b.txt", "lineparanextc1.txt"),
    # a name too long is cut before its extension, which names the format
    ("informe " * 40 + "final.docx", ("informe " * 40)[:195].rstrip() + ".docx"),
]


def _files_outside(root: Path, home: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(home)]


def test_hostile_upload_names_stay_display_names(tmp_path, make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    stored = {}
    for sent, expected in HOSTILE_NAMES:
        body = multipart([("file", sent, f"contents of {sent!r}".encode())])
        response = api.post("/v1/media", content=body, headers=HEADERS)
        assert response.status_code == 202, response.text
        media = response.json()["media"]
        stored[media["id"]] = media["filename"]
        assert media["filename"] == expected, sent
        assert unicodedata.is_normalized("NFC", media["filename"])
        original = api.get(f"/v1/media/{media['id']}/original")
        assert original.status_code == 200 and original.content == f"contents of {sent!r}".encode()
        assert "/" not in original.headers["content-disposition"].split("''", 1)[1]

    keys = sorted(rt.store.list("raw/"))
    assert len(keys) == len(HOSTILE_NAMES)
    for key in keys:
        _, tenant, media_id, leaf = key.split("/")
        assert tenant == "default" and media_id in stored and leaf.startswith("original")
    assert _files_outside(tmp_path, rt.settings.home) == []
    assert list(rt.store.list("")) == keys  # no object beside raw/ either


def test_an_nfd_name_and_its_nfc_twin_are_the_same_name(make_runtime, client_for):
    api = client_for(make_runtime())
    nfc = unicodedata.normalize("NFC", NFD_NAME)
    first = api.post("/v1/media", files={"file": (NFD_NAME, b"first copy")}).json()["media"]
    second = api.post("/v1/media", files={"file": (nfc, b"second copy")}).json()["media"]
    assert first["filename"] == second["filename"] == nfc


@pytest.fixture
def bucket_runtime(make_runtime, aws_endpoint, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return make_runtime(s3_endpoint_url=aws_endpoint, s3_region=REGION, s3_sse="")


def test_bucket_event_keys_never_become_paths(tmp_path, bucket_runtime, s3_client, s3_bucket):
    rt = bucket_runtime
    prefix = "clients/acme/products/SKU-1/media/document/"
    backslashed = prefix + "..\\..\\etc\\passwd.txt"
    decomposed = prefix + NFD_NAME
    disguised = prefix + "invoice\u202etxt\u2028.exe"
    for key in (backslashed, decomposed, disguised):
        s3_client.put_object(Bucket=s3_bucket, Key=key, Body=f"object at {key}".encode())
    # These do not fit the key pattern ("." or ".." as a segment): ignored before anything is
    # fetched, so they need not exist in the bucket.
    climbing = [
        "clients/../products/SKU-1/media/document/x.txt",
        prefix + "..",
        "clients/acme/products/SKU-1/media/document/../../../../escape.txt",
        "clients/ac me/products/SKU-1/media/document/x.txt",  # a tenant no key could ever address
    ]
    events = [ObjectCreated(bucket=s3_bucket, key=k, size=1, etag="e", sequencer="1") for k in climbing]
    events += [
        ObjectCreated(bucket=s3_bucket, key=k, size=1, etag="e", sequencer="2")
        for k in (backslashed, decomposed, disguised)
    ]

    results = ingest_delivery(rt, EventDelivery(events=events, receipt="r", attempts=1))

    names = {r.media.filename: r.media for r in results}
    assert set(names) == {"_.._etc_passwd.txt", "Crème brûlée recette.txt", "invoicetxt.exe"}
    for media in names.values():
        assert media.tenant_id == "acme"
        assert media.original_key.startswith(f"raw/acme/{media.id}/original")
        assert rt.store.get_bytes(media.original_key).startswith(b"object at clients/acme/")
    assert names["_.._etc_passwd.txt"].meta["s3_key"] == backslashed
    assert sorted(rt.store.list("")) == sorted(m.original_key for m in names.values())
    assert _files_outside(tmp_path, rt.settings.home) == []


def test_bucket_events_are_read_through_the_runtimes_one_reader(
    bucket_runtime: Runtime, s3_client: Any, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Settings] = []
    real = factory.make_bucket_reader

    def counted(settings: Settings) -> Any:
        made.append(settings)
        return real(settings)

    monkeypatch.setattr(factory, "make_bucket_reader", counted)
    keys = [f"clients/acme/products/SKU-{i}/media/document/note-{i}.txt" for i in range(4)]
    for key in keys:
        s3_client.put_object(Bucket=s3_bucket, Key=key, Body=f"note at {key}".encode())

    for pair in (keys[:2], keys[2:]):
        events = [ObjectCreated(bucket=s3_bucket, key=k, size=1, etag="e", sequencer="1") for k in pair]
        ingest_delivery(bucket_runtime, EventDelivery(events=events, receipt="r", attempts=1))

    assert len(made) == 1  # one S3 client for the runtime, not one per event
    assert len(list(bucket_runtime.store.list("raw/acme/"))) == 4
