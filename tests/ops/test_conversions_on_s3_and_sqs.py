"""Conversions on the scale-out backends: the convert job travels on SQS, the original is read
from S3 and the output written there; the file route hands out a presigned URL, where a player's
Range requests work against S3 itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests import mediagen
from tests.conftest import upload, wait_for_job
from tests.convert.decoding import decode

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def test_a_conversion_runs_on_sqs_and_lands_in_s3(
    make_runtime, client_for, make_queue, s3_bucket, aws_endpoint, s3_client, tmp_path: Path, monkeypatch
):  # type: ignore[no-untyped-def]
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    rt = make_runtime(
        store="s3",
        s3_bucket=s3_bucket,
        s3_endpoint_url=aws_endpoint,
        queue="sqs",
        sqs_queue_url=make_queue().url,
        sqs_wait_s=1,
        enrich=False,
    )
    api = client_for(rt, workers=1)
    video = mediagen.pattern_video(tmp_path, duration_s=4.0, size=(320, 240))
    created = upload(api, video)
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    media_id = created["media"]["id"]

    asked = api.post(
        f"/v1/media/{media_id}/conversions", json={"to": "m4a", "options": {"start": 1.0, "end": 3.0}}
    )
    assert asked.status_code == 202, asked.text
    assert wait_for_job(api, asked.json()["job"]["id"])["status"] == "succeeded"
    conversion = api.get(f"/v1/media/{media_id}/conversions/{asked.json()['id']}").json()
    key = f"processed/default/{media_id}/conversions/{conversion['id']}.m4a"
    assert s3_client.head_object(Bucket=s3_bucket, Key=key)["ContentLength"] == conversion["bytes"]

    redirect = api.get(conversion["file_url"], follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["location"].startswith(aws_endpoint)
    url = redirect.headers["location"]
    head = httpx.get(url, headers={"Range": "bytes=0-99"})
    assert head.status_code == 206 and len(head.content) == 100
    whole = httpx.get(url)
    assert whole.content[:100] == head.content and len(whole.content) == conversion["bytes"]
    (tmp_path / "clip.m4a").write_bytes(whole.content)
    audio = decode(tmp_path / "clip.m4a").audio
    assert audio is not None and audio.codec == "aac" and abs(audio.seconds - 2.0) <= 0.1
