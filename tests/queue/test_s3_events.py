"""Reading S3 event notifications and mapping object keys to tenant and metadata."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediasift.config import Settings
from mediasift.queue.s3_events import (
    NotAnS3Event,
    ObjectCreated,
    ObjectRemoved,
    is_earlier,
    match_key,
    parse_s3_event,
)

PATTERN = Settings.model_fields["s3_event_key_pattern"].default


def notification(*records: tuple[str, str]) -> str:
    """An AWS-shaped notification body with (eventName, raw URL-encoded key) records."""
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "eventName": name,
                    "s3": {
                        "bucket": {"name": "media-raw", "arn": "arn:aws:s3:::media-raw"},
                        "object": {"key": key, "size": 1234, "eTag": "abc123", "sequencer": "0A1B"},
                    },
                }
                for name, key in records
            ]
        }
    )


class TestParseS3Event:
    def test_object_created_record_becomes_a_value_with_the_decoded_key(self) -> None:
        body = notification(("ObjectCreated:Put", "clients/acme/products/SKU-1/media/video/a+b%281%29.mp4"))
        assert parse_s3_event(body) == [
            ObjectCreated(
                bucket="media-raw",
                key="clients/acme/products/SKU-1/media/video/a b(1).mp4",
                size=1234,
                etag="abc123",
                sequencer="0A1B",
            )
        ]

    def test_a_literal_plus_arrives_as_percent_2b(self) -> None:
        [event] = parse_s3_event(notification(("ObjectCreated:Put", "a/c%2B%2B+notes.pdf")))
        assert event.key == "a/c++ notes.pdf"

    def test_non_ascii_keys_are_decoded_from_utf8(self) -> None:
        [event] = parse_s3_event(notification(("ObjectCreated:Post", "a/v%C3%ADdeo.mp4")))
        assert event.key == "a/vídeo.mp4"

    def test_test_event_has_nothing_to_ingest(self) -> None:
        body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "media-raw"})
        assert parse_s3_event(body) == []

    def test_created_and_removed_records_are_kept_in_order_and_others_dropped(self) -> None:
        body = notification(
            ("ObjectRemoved:Delete", "a/gone+now.mp4"),
            ("ObjectRestore:Completed", "a/thawed.mp4"),
            ("ObjectCreated:CompleteMultipartUpload", "a/new.mp4"),
            ("ObjectRemoved:DeleteMarkerCreated", "a/hidden.mp4"),
        )
        events = parse_s3_event(body)
        assert events[0] == ObjectRemoved(bucket="media-raw", key="a/gone now.mp4", sequencer="0A1B")
        assert isinstance(events[1], ObjectCreated) and events[1].key == "a/new.mp4"
        assert events[2] == ObjectRemoved(bucket="media-raw", key="a/hidden.mp4", sequencer="0A1B")
        assert len(events) == 3

    @pytest.mark.parametrize(
        ("sequencer", "than", "earlier"),
        [
            ("0055AED6DCD90281E5", "0055AED6DCD90281E6", True),
            ("0055AED6DCD90281E6", "0055AED6DCD90281E5", False),
            ("0055AED6DCD9", "0055AED6DCD90281E5", True),  # right-padded with zeros: 0055AED6DCD9000000
            ("0055AED6DCD91", "0055AED6DCD90281E5", False),
            ("00aa", "00AB", True),  # hexadecimal: case does not matter
            ("0A", "0A", False),
            (None, "0A", False),  # unknown: never earlier, the event applies
            ("0A", None, False),
        ],
    )
    def test_sequencers_compare_as_s3_says(
        self, sequencer: str | None, than: str | None, earlier: bool
    ) -> None:
        assert is_earlier(sequencer, than) is earlier

    def test_notifications_wrapped_by_sns_are_unwrapped(self) -> None:
        envelope = json.dumps({"Type": "Notification", "Message": notification(("ObjectCreated:Put", "a/b"))})
        assert [e.key for e in parse_s3_event(envelope)] == ["a/b"]

    @pytest.mark.parametrize(
        "body",
        [
            '{"job_id": "01J"}',
            "not json",
            "[1, 2]",
            '{"Records": [{"eventSource": "aws:sns"}]}',
            b"\xff",
            "[" * 100_000 + "]" * 100_000,  # deeper than json's decoder reaches: was a RecursionError
        ],
    )
    def test_other_messages_are_not_s3_events(self, body: str | bytes) -> None:
        with pytest.raises(NotAnS3Event):
            parse_s3_event(body)

    def test_an_unreadable_record_is_skipped_and_the_others_read(self, caplog) -> None:
        body = json.loads(notification(("ObjectCreated:Put", "a/good"), ("ObjectCreated:Put", "a/bad")))
        del body["Records"][1]["s3"]["object"]["key"]
        with caplog.at_level("ERROR", logger="mediasift.bucket_events"):
            assert [e.key for e in parse_s3_event(json.dumps(body))] == ["a/good"]
        assert "record 2 (ObjectCreated:Put): KeyError" in caplog.text
        body["Records"][0]["s3"]["object"]["size"] = "abc"  # none readable: a letter for a person
        with pytest.raises(NotAnS3Event, match=r"record 1 .*ValueError.*record 2 .*KeyError"):
            parse_s3_event(json.dumps(body))


class TestMatchKey:
    def test_default_pattern_maps_client_sku_and_file(self) -> None:
        assert match_key(PATTERN, "clients/acme/products/SKU-1/media/video/a b.mp4") == {
            "tenant": "acme",
            "sku": "SKU-1",
            "media_type": "video",
            "filename": "a b.mp4",
        }

    @pytest.mark.parametrize(
        "key",
        [
            "clients/acme/products/SKU-1/media/video/",  # no file name
            "clients/acme/products/SKU-1/media/video/sub/a.mp4",  # a placeholder is one segment
            "clients/acme/products/SKU-1/media/video",
            "other/acme/products/SKU-1/media/video/a.mp4",
            "xclients/acme/products/SKU-1/media/video/a.mp4",  # the whole key must match
            "clients//products/SKU-1/media/video/a.mp4",
        ],
    )
    def test_keys_outside_the_pattern_do_not_match(self, key: str) -> None:
        assert match_key(PATTERN, key) is None

    @pytest.mark.parametrize(
        "key",
        [
            "clients/../products/SKU-1/media/video/a.mp4",
            "clients/acme/products/./media/video/a.mp4",
            "clients/acme/products/SKU-1/media/video/..",
            "clients/acme/products/SKU-1/media/video/...",
            "clients/acme/products/SKU-1/media/video/a\x00.mp4",
            "clients/ac\nme/products/SKU-1/media/video/a.mp4",
        ],
    )
    def test_traversal_and_control_characters_never_match(self, key: str) -> None:
        assert match_key(PATTERN, key) is None

    def test_backslashes_in_file_names_are_neutralised(self) -> None:
        values = match_key(PATTERN, "clients/acme/products/S/media/image/..\\..\\evil.jpg")
        assert values is not None and values["filename"] == ".._.._evil.jpg"

    def test_literal_text_in_patterns_is_not_a_regex(self) -> None:
        assert match_key("in/{tenant}.d/{filename}", "in/acme.d/x.jpg") == {
            "tenant": "acme",
            "filename": "x.jpg",
        }
        assert match_key("in/{tenant}.d/{filename}", "in/acmeXd/x.jpg") is None

    def test_a_pattern_naming_a_placeholder_twice_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="twice"):
            match_key("{tenant}/{tenant}", "a/a")

    @given(st.text(min_size=1).filter(lambda s: "/" not in s))
    def test_a_matched_filename_is_always_one_safe_segment(self, name: str) -> None:
        values = match_key(PATTERN, f"clients/acme/products/S/media/video/{name}")
        if values is not None:
            filename = values["filename"]
            assert "/" not in filename and "\\" not in filename
            assert filename not in (".", "..")
