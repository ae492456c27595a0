"""An upload that names its ``source`` is a new version of the media from there."""

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import upload, wait_for_job

NINE = "The island ferry leaves the harbour at nine."
ELEVEN = "The island ferry leaves the harbour at eleven."


def _note(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _ids_found(api: TestClient, query: str) -> list[str]:
    hits = api.get("/v1/search", params={"q": query, "mode": "keyword"}).json()["hits"]
    return [h["media_id"] for h in hits]


def test_new_bytes_from_the_same_source_replace_the_media_s_results(api: TestClient, tmp_path: Path):
    source = "file://laptop/home/ana/notes/ferry.txt"
    first = upload(api, _note(tmp_path, "ferry.txt", NINE), source=source)
    assert (first["duplicate"], first["replaced"], first["media"]["source"]) == (False, False, source)
    media = first["media"]["id"]
    assert wait_for_job(api, first["job"]["id"])["status"] == "succeeded"
    assert _ids_found(api, "ferry nine") == [media]

    second = upload(api, _note(tmp_path, "ferry.txt", ELEVEN), source=source)
    assert (second["media"]["id"], second["duplicate"], second["replaced"]) == (media, False, True)
    assert second["job"]["type"] == "reprocess"
    assert wait_for_job(api, second["job"]["id"])["status"] == "succeeded"
    assert _ids_found(api, "ferry eleven") == [media]
    assert _ids_found(api, "nine") == []  # the old version's text is gone from the index
    detail = api.get(f"/v1/media/{media}").json()
    assert detail["status"] == "ready" and "eleven" in detail["segments"][0]["text"]
    assert detail["sha256"] == second["media"]["sha256"] != first["media"]["sha256"]

    again = upload(api, _note(tmp_path, "ferry.txt", ELEVEN), source=source)
    assert (again["media"]["id"], again["duplicate"], again["replaced"]) == (media, True, False)
    assert again["job"]["id"] == second["job"]["id"]  # nothing queued

    # the same bytes without the source, or from another one, are the same media as ever
    other = upload(api, _note(tmp_path, "copy.txt", ELEVEN))
    assert (other["media"]["id"], other["duplicate"]) == (media, True)
    assert len(api.get("/v1/media").json()["media"]) == 1

    # the source's file under another name now: the media takes it, with new bytes or the same
    renamed = upload(api, _note(tmp_path, "ferry-2027.txt", NINE), source=source)
    assert (renamed["media"]["id"], renamed["replaced"], renamed["media"]["filename"]) == (
        media, True, "ferry-2027.txt"
    )  # fmt: skip
    wait_for_job(api, renamed["job"]["id"])
    same = upload(api, _note(tmp_path, "ferry-final.txt", NINE), source=source)
    assert (same["duplicate"], same["media"]["filename"]) == (True, "ferry-final.txt")
    hits = api.get("/v1/search", params={"q": "ferry nine", "mode": "keyword"}).json()["hits"]
    assert [h["filename"] for h in hits] == ["ferry-final.txt"]


def test_a_media_uploaded_with_no_source_takes_the_first_one_named(api: TestClient, tmp_path: Path):
    text = "Water the tomato seedlings every second morning."
    plain = upload(api, _note(tmp_path, "tomatoes.txt", text))
    assert plain["media"]["source"] is None
    wait_for_job(api, plain["job"]["id"])
    source = "file://laptop/garden/tomatoes.txt"
    named = upload(api, _note(tmp_path, "tomatoes.txt", text), source=source)
    assert (named["media"]["id"], named["duplicate"], named["media"]["source"]) == (
        plain["media"]["id"],
        True,
        source,
    )
    changed = upload(api, _note(tmp_path, "tomatoes.txt", text + " Stake them in May."), source=source)
    assert (changed["media"]["id"], changed["replaced"]) == (plain["media"]["id"], True)


def test_a_new_version_with_the_bytes_of_another_media_is_that_media(api: TestClient, tmp_path: Path):
    kept = upload(api, _note(tmp_path, "a.txt", "The boiler is serviced in October."))
    draft = upload(api, _note(tmp_path, "b.txt", "Draft: the boiler is serviced."), source="notes/b.txt")
    for job in (kept["job"], draft["job"]):
        wait_for_job(api, job["id"])
    same = upload(api, _note(tmp_path, "b.txt", "The boiler is serviced in October."), source="notes/b.txt")
    assert (same["media"]["id"], same["duplicate"]) == (kept["media"]["id"], True)
    assert [m["id"] for m in api.get("/v1/media").json()["media"]] == [kept["media"]["id"]]


def test_sources_are_one_tenant_s_and_never_a_bucket_object_s(api: TestClient, tmp_path: Path):
    path = _note(tmp_path, "menu.txt", "Tomato soup and bread on Mondays.")
    mine = upload(api, path, source="s3://bucket/menu.txt")
    theirs = upload(
        api,
        _note(tmp_path, "menu.txt", "Lentil soup on Tuesdays."),
        tenant="other",
        source="s3://bucket/menu.txt",
    )
    assert theirs["media"]["id"] != mine["media"]["id"] and theirs["replaced"] is False
    assert mine["media"]["source"] == "s3://bucket/menu.txt"  # shown as named, kept apart from a bucket's


def test_a_source_is_one_line_of_at_most_2048_bytes(api: TestClient, tmp_path: Path):
    path = _note(tmp_path, "x.txt", "Anything at all.")
    for bad in ("a\nb", "tab\there", "é" * 1025, "   "):
        with path.open("rb") as f:
            response = api.post("/v1/media", files={"file": ("x.txt", f)}, data={"source": bad})
        assert response.status_code == 400, (bad, response.text)
        assert "source must be" in response.json()["message"]
    assert api.get("/v1/media").json()["media"] == []
    schema = api.get("/openapi.json").json()["components"]["schemas"]
    assert "replaced" in schema["UploadOut"]["properties"]
    assert "source" in schema["MediaOut"]["properties"]


def test_media_listed_by_the_start_of_their_source(api: TestClient, tmp_path: Path):
    sources = {
        "a.txt": "file://laptop/Inbox/a.txt",
        "b.txt": "file://laptop/inbox/b.txt",
        "c.txt": "file://laptop/inbox_old/c.txt",
        "d.txt": "file://laptop/inbox/100%/d.txt",
        "ñ.txt": "file://laptop/canci%C3%B3n%20nueva/%C3%B1.txt",  # as the CLI names it (Path.as_uri)
    }
    for name, source in sources.items():
        upload(api, _note(tmp_path, name, f"Note {name} about the pump valve."), source=source)
    upload(api, _note(tmp_path, "e.txt", "A note that names no source."))

    def listed(prefix: str) -> list[str]:
        media = api.get("/v1/media", params={"source_prefix": prefix}).json()["media"]
        return sorted(m["filename"] for m in media)

    # exact, case and all: SQLite's LIKE would ignore case and read '_' and '%' as wildcards
    assert listed("file://laptop/inbox/") == ["b.txt", "d.txt"]
    assert listed("file://laptop/inbox/100%/") == ["d.txt"]
    assert listed("file://laptop/Inbox/") == ["a.txt"]
    assert listed("upload") == []
    # the folder named as a person writes it (HTTP decodes the query string), or encoded
    for folder in ("canción nueva", "canci%C3%B3n%20nueva", "canción"):
        assert listed(f"file://laptop/{folder}") == ["ñ.txt"], folder


def test_a_new_version_leaves_nothing_of_the_old_one_s_extraction_but_its_conversions(
    api: TestClient, tmp_path: Path
):
    from tests.docgen import make_pdf

    pages = [["Page one about the quetzal."], ["Page two about the hoatzin."], ["Page three: shoebill."]]
    first = upload(api, make_pdf(tmp_path / "birds.pdf", pages), source="file://h/birds.pdf")
    media = first["media"]["id"]
    assert wait_for_job(api, first["job"]["id"])["status"] == "succeeded"
    assert {"pages/0001.jpg", "pages/0003.jpg"} <= set(api.get(f"/v1/media/{media}").json()["artifacts"])
    made = api.post(f"/v1/media/{media}/conversions", json={"to": "txt"}).json()
    assert wait_for_job(api, made["job"]["id"])["status"] == "succeeded"

    second = upload(
        api, make_pdf(tmp_path / "birds.pdf", [["Only the quetzal now."]]), source="file://h/birds.pdf"
    )
    assert wait_for_job(api, second["job"]["id"])["status"] == "succeeded"
    detail = api.get(f"/v1/media/{media}").json()
    assert detail["pages"] == 1
    assert not [a for a in detail["artifacts"] if a.startswith("pages/") and a != "pages/0001.jpg"]
    assert api.get(f"/v1/media/{media}/artifacts/pages/0003.jpg").status_code == 404
    conversion = made["id"]
    assert api.get(f"/v1/media/{media}/conversions/{conversion}/file").status_code == 200


def test_a_new_version_that_cannot_be_read_takes_the_old_one_s_text_with_it(api: TestClient, tmp_path: Path):
    source = "file://h/dugong.txt"
    first = upload(
        api, _note(tmp_path, "dugong.txt", "The manatee grazes on seagrass at dawn."), source=source
    )
    assert wait_for_job(api, first["job"]["id"])["status"] == "succeeded"
    assert _ids_found(api, "manatee") == [first["media"]["id"]]

    emptied = upload(api, _note(tmp_path, "dugong.txt", ""), source=source)
    assert emptied["replaced"] is True
    job = wait_for_job(api, emptied["job"]["id"])
    assert (job["status"], job["error_code"]) == ("dead", "corrupt_media")
    detail = api.get(f"/v1/media/{first['media']['id']}").json()
    assert detail["status"] == "failed" and detail["segments"] == []
    assert _ids_found(api, "manatee") == []  # its old words no longer stand for the file

    fixed = upload(
        api, _note(tmp_path, "dugong.txt", "The dugong grazes on seagrass at dusk."), source=source
    )
    assert wait_for_job(api, fixed["job"]["id"])["status"] == "succeeded"
    assert _ids_found(api, "dugong") == [first["media"]["id"]]
    extracted = api.get(f"/v1/media/{first['media']['id']}").json()["metadata"]["extracted"]
    assert extracted == {"characters": 38}  # what was read, no longer the mark of a new version


def test_a_media_is_told_to_follow_another_source(api: TestClient, tmp_path: Path):
    first = upload(api, _note(tmp_path, "a.txt", "The kiln fires on Fridays."), source="file://h/old/a.txt")
    other = upload(api, _note(tmp_path, "b.txt", "The wheel is oiled monthly."), source="file://h/b.txt")
    moved = api.patch(f"/v1/media/{first['media']['id']}", json={"source": "file://h/new/a.txt"})
    assert moved.status_code == 200 and moved.json()["source"] == "file://h/new/a.txt", moved.text
    again = upload(
        api, _note(tmp_path, "a.txt", "The kiln fires on Fridays and Mondays."), source="file://h/new/a.txt"
    )
    assert (again["media"]["id"], again["replaced"]) == (first["media"]["id"], True)
    taken = api.patch(f"/v1/media/{first['media']['id']}", json={"source": "file://h/b.txt"})
    assert taken.status_code == 409 and other["media"]["id"] in taken.json()["message"]
    assert api.patch(f"/v1/media/{first['media']['id']}", json={"source": "a\nb"}).status_code == 400
    # what it cannot apply is refused, not dropped or made up: an unknown field, an empty name
    for body in ({"metadata": {"a": 1}}, {"filename": ""}, {"filename": "   "}):
        refused = api.patch(
            f"/v1/media/{first['media']['id']}", json={"source": "file://h/new/a.txt", **body}
        )
        assert refused.status_code == 422, (body, refused.text)
    assert api.get(f"/v1/media/{first['media']['id']}").json()["filename"] == "a.txt"
    assert (
        api.patch(
            f"/v1/media/{first['media']['id']}", json={"source": "x"}, headers={"X-Mediasift-Tenant": "t2"}
        ).status_code
        == 404
    )
