"""API keys, scopes, tenant pinning, open mode and per-key rate limits."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from mediasift.catalog.models import ApiKey
from mediasift.services import auth
from tests.ops.conftest import bearer, new_key


def test_open_mode_needs_no_key_and_honours_the_tenant_header(make_runtime, client_for):
    api = client_for(make_runtime())
    assert api.get("/v1/media").status_code == 200
    path_a = api.post(
        "/v1/media", files={"file": ("a.txt", b"alpha")}, headers={"X-Mediasift-Tenant": "acme"}
    )
    assert path_a.status_code == 202
    assert (
        api.get(
            f"/v1/media/{path_a.json()['media']['id']}", headers={"X-Mediasift-Tenant": "acme"}
        ).status_code
        == 200
    )
    assert api.get(f"/v1/media/{path_a.json()['media']['id']}").status_code == 404  # default tenant


def test_once_a_key_exists_every_request_needs_one(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    key = new_key(rt, "acme", "read")
    missing = api.get("/v1/media")
    assert missing.status_code == 401 and missing.json()["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert api.get("/v1/media", headers=bearer("msk_not-a-real-key")).status_code == 401
    assert api.get("/v1/media", headers=bearer(key)).status_code == 200
    assert api.get("/v1/media", headers={"X-API-Key": key}).status_code == 200
    assert api.get("/health").status_code == 200  # liveness stays public


def test_only_a_hash_of_the_key_is_stored(make_runtime):
    rt = make_runtime()
    created = auth.create_key(rt.catalog, rt.settings, "acme", "read,write", "ci")
    with rt.catalog.session() as s:
        row = s.scalars(select(ApiKey)).one()
    assert created.secret not in row.hash and row.hash == auth.hash_key(rt.settings, created.secret)
    assert row.scopes == "read,write" and created.secret.startswith("msk_")


def test_a_missing_pepper_is_not_made_anew_while_keys_hashed_with_it_exist(make_runtime, client_for):
    rt = make_runtime()
    key = new_key(rt, "acme", "read")
    pepper_file = Path(rt.settings.home) / auth.PEPPER_FILE
    kept = pepper_file.read_bytes()
    pepper_file.unlink()  # a home restored without it
    auth._peppers.clear()  # as a process started afresh
    api = client_for(rt)
    refused = api.get("/v1/media", headers=bearer(key))
    # every key had silently become a 401 under a new pepper
    assert refused.status_code == 503 and "MEDIASIFT_API_KEY_PEPPER" in refused.json()["message"]
    assert str(rt.settings.home) not in refused.json()["message"]
    assert not pepper_file.exists()
    # /ready and doctor say so too (a load balancer had kept sending every client to be refused)
    ready = api.get("/ready")
    assert ready.status_code == 503 and any("pepper" in r for r in ready.json()["reasons"])
    from mediasift.cli.doctor import check_pepper

    check = check_pepper(rt.settings, rt.catalog)
    assert check is not None and not check.ok and "MEDIASIFT_API_KEY_PEPPER" in (check.fix or "")
    pepper_file.write_bytes(b"")  # emptied: not made anew either
    assert "is empty" in api.get("/v1/media", headers=bearer(key)).json()["message"]
    pepper_file.write_bytes(kept + b"\n")  # restored, with a line break an editor added
    assert api.get("/v1/media", headers=bearer(key)).status_code == 200
    assert not [r for r in api.get("/ready").json()["reasons"] if "pepper" in r]  # (models may load)
    assert check_pepper(rt.settings, rt.catalog) is None


def test_the_first_key_makes_the_pepper(make_runtime):
    rt = make_runtime()
    pepper_file = Path(rt.settings.home) / auth.PEPPER_FILE
    pepper_file.unlink(missing_ok=True)
    auth._peppers.clear()
    created = auth.create_key(rt.catalog, rt.settings, "acme", "read")
    assert pepper_file.exists()
    assert auth.authenticate(rt.catalog, rt.settings, created.secret).tenant_id == "acme"


def test_scopes_decide_what_a_key_may_do(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    reader, writer = new_key(rt, "acme", "read"), new_key(rt, "acme", "write")
    upload = {"files": {"file": ("a.txt", b"scoped words")}}
    refused = api.post("/v1/media", headers=bearer(reader), **upload)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert api.post("/v1/media", headers=bearer(writer), **upload).status_code == 202
    assert api.get("/v1/search", params={"q": "scoped"}, headers=bearer(reader)).status_code == 200
    assert api.get("/v1/search", params={"q": "scoped"}, headers=bearer(writer)).status_code == 403
    # search by image is a read although it is a POST
    assert api.post("/v1/search", data={"q": "scoped"}, headers=bearer(reader)).status_code == 200
    # keys, the DLQ and metrics are admin's
    for method, path in (("GET", "/v1/keys"), ("GET", "/v1/admin/dlq"), ("GET", "/metrics")):
        assert api.request(method, path, headers=bearer(writer)).status_code == 403, path


def test_a_read_key_asks_in_chats_but_deletes_only_its_own_users_chat(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    reader, writer = new_key(rt, "acme", "read"), new_key(rt, "acme", "read,write")
    ana = auth.create_key(rt.catalog, rt.settings, "acme", "read", user_id="ana").secret
    shared = api.post("/v1/chats", json={}, headers=bearer(reader))
    assert shared.status_code == 201  # starting a chat is asking: a read
    # the tenant's chat (no user) is not a read key's to delete, even naming a user in a header
    for headers in (bearer(reader), {**bearer(reader), "X-Mediasift-User": "ana"}):
        refused = api.delete(f"/v1/chats/{shared.json()['id']}", headers=headers)
        assert refused.status_code == 403 and "write" in refused.json()["message"]
    own = api.post("/v1/chats", json={}, headers=bearer(ana)).json()["id"]
    assert api.delete(f"/v1/chats/{own}", headers=bearer(ana)).status_code == 204
    assert api.delete(f"/v1/chats/{shared.json()['id']}", headers=bearer(writer)).status_code == 204


def test_the_cli_told_it_needs_a_key_is_told_how_to_give_one(make_runtime, client_for):
    import pytest

    from mediasift.cli.client import HttpClient
    from mediasift.errors import MediasiftError

    rt = make_runtime()
    new_key(rt, "acme", "read")
    with pytest.raises(MediasiftError) as refused:
        HttpClient(client_for(rt)).jobs()
    assert refused.value.status == 401 and "MEDIASIFT_API_KEY" in refused.value.message


def test_a_command_refused_by_its_own_api_says_so_once(tmp_path: Path) -> None:
    """The in-process API logged a 5xx and the command printed it too: two copies on stderr."""
    from tests.test_cli_ingest import run_cli

    home = tmp_path / "home"
    created = run_cli(home, "keys", "create", "--tenant", "acme", "--scopes", "read")
    assert created.returncode == 0, created.stderr
    (key,) = re.findall(r"msk_[A-Za-z0-9_-]+", created.stdout)
    (home / "api_key_pepper").unlink()  # a home restored without it
    refused = run_cli(home, "jobs", api_key=key)
    assert refused.returncode == 2
    assert refused.stderr.count("the API-key pepper") == 1, refused.stderr


def test_the_keys_tenant_wins_and_only_admin_may_name_another(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    acme, admin = new_key(rt, "acme", "read,write"), new_key(rt, "ops", "admin")
    created = api.post("/v1/media", files={"file": ("a.txt", b"acme only")}, headers=bearer(acme)).json()
    media_id = created["media"]["id"]
    other = api.get("/v1/media", headers={**bearer(acme), "X-Mediasift-Tenant": "globex"})
    assert other.status_code == 403
    same = api.get(f"/v1/media/{media_id}", headers={**bearer(acme), "X-Mediasift-Tenant": "acme"})
    assert same.status_code == 200
    assert api.get(f"/v1/media/{media_id}", headers=bearer(admin)).status_code == 404  # admin's own tenant
    as_acme = api.get(f"/v1/media/{media_id}", headers={**bearer(admin), "X-Mediasift-Tenant": "acme"})
    assert as_acme.status_code == 200


def test_revoked_keys_are_refused(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    admin = new_key(rt, "ops", "admin")
    made = api.post("/v1/keys", json={"tenant": "acme", "scopes": ["read"]}, headers=bearer(admin))
    assert made.status_code == 201
    for bad in ("", "a b"):  # an empty tenant had made a key for the caller's own tenant
        refused = api.post("/v1/keys", json={"tenant": bad, "scopes": ["read"]}, headers=bearer(admin))
        assert refused.status_code == 400 and "tenant ids are" in refused.json()["message"], refused.text
    key, key_id = made.json()["key"], made.json()["id"]
    assert api.get("/v1/media", headers=bearer(key)).status_code == 200
    listed = api.get("/v1/keys", params={"tenant": "acme"}, headers=bearer(admin)).json()["keys"]
    assert [k["id"] for k in listed] == [key_id] and "key" not in listed[0]
    assert api.delete(f"/v1/keys/{key_id}", headers=bearer(admin)).status_code == 204
    assert api.get("/v1/media", headers=bearer(key)).status_code == 401


def test_another_process_revoking_or_creating_a_key_takes_effect_within_the_cache_time(
    make_runtime, client_for
):
    """The server trusts what it read about a key for ``api_key_cache_s``; the CLI (another
    catalog on the same database) revokes a key, or creates the first one, and the server follows."""
    from mediasift.catalog.db import Catalog

    rt = make_runtime(api_key_cache_s=0.5)
    api = client_for(rt)
    other = Catalog(rt.settings.resolved_catalog_url)  # what `mediasift keys` opens
    try:
        assert api.get("/v1/media").status_code == 200  # open mode, remembered for 0.5 s
        created = auth.create_key(other, rt.settings, "acme", "read")
        _eventually(lambda: api.get("/v1/media").status_code == 401)
        assert api.get("/v1/media", headers=bearer(created.secret)).status_code == 200  # remembered
        auth.revoke_key(other, created.id)
        _eventually(lambda: api.get("/v1/media", headers=bearer(created.secret)).status_code == 401)
    finally:
        other.close()


def _eventually(check, within_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, "the server did not follow the catalog"
        time.sleep(0.1)


def test_revoking_the_last_key_locks_the_api_instead_of_opening_it(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    admin = new_key(rt, "ops", "admin")
    key_id = api.get("/v1/keys", headers=bearer(admin)).json()["keys"][0]["id"]
    assert api.delete(f"/v1/keys/{key_id}", headers=bearer(admin)).status_code == 204
    # no un-revoked key is left: the API must not fall back to open mode (admin for anyone)
    for method, path in (("GET", "/v1/media"), ("GET", "/v1/keys"), ("POST", "/v1/admin/dlq/purge")):
        assert api.request(method, path).status_code == 401, path
    assert auth.keys_exist(rt.catalog)
    fresh = new_key(rt, "ops", "admin")  # the operator's way back in: a new key from the CLI
    assert api.get("/v1/keys", headers=bearer(fresh)).status_code == 200


def test_a_key_past_its_rate_is_told_when_to_come_back(make_runtime, client_for):
    rt = make_runtime(rate_limit_per_s=0.5, rate_limit_burst=3)
    api = client_for(rt)
    slow, other = new_key(rt, "acme", "read"), new_key(rt, "acme", "read")
    codes = [api.get("/v1/jobs", headers=bearer(slow)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = api.get("/v1/jobs", headers=bearer(slow))
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
    assert api.get("/v1/jobs", headers=bearer(other)).status_code == 200  # buckets are per key


def test_a_refused_rate_is_logged_with_the_key_and_tenant(make_runtime, client_for, capfd):
    import json
    import logging

    from mediasift.ops.logs import configure_logging

    rt = make_runtime(rate_limit_per_s=0.1, rate_limit_burst=1)
    api = client_for(rt)
    key = new_key(rt, "acme", "read")
    configure_logging("INFO", "json")
    try:
        capfd.readouterr()
        assert [api.get("/v1/jobs", headers=bearer(key)).status_code for _ in range(2)] == [200, 429]
        lines = [json.loads(x) for x in capfd.readouterr().err.splitlines() if x.startswith("{")]
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_mediasift", False)]:
            root.removeHandler(handler)
    (refused,) = [r for r in lines if r.get("logger") == "mediasift.access" and r.get("status") == 429]
    assert refused["tenant"] == "acme" and refused["key_id"], refused


def _mediasift(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MEDIASIFT_HOME": str(home), **env}
    return subprocess.run(
        [sys.executable, "-m", "mediasift", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_refuses_a_public_address_without_keys(tmp_path: Path):
    result = _mediasift(tmp_path / "home", "serve", "--host", "0.0.0.0", "--port", "1", "--workers", "0")
    assert result.returncode == 2
    assert "refusing to serve 0.0.0.0 without API keys" in " ".join(result.stderr.split())


def test_cli_keys_create_list_revoke(tmp_path: Path):
    home = tmp_path / "home"
    created = _mediasift(home, "keys", "create", "--tenant", "acme", "--scopes", "read,write")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("msk_") and "shown once" in created.stderr
    listed = _mediasift(home, "keys", "list", "--json")
    import json

    keys = json.loads(listed.stdout)
    assert [(k["tenant"], k["scopes"], k["revoked_at"]) for k in keys] == [("acme", ["read", "write"], None)]
    assert secret not in listed.stdout
    table = _mediasift(home, "keys", "list")  # not a terminal: 80 columns
    assert keys[0]["id"] in table.stdout, table.stdout  # whole, as `revoke` takes it
    assert _mediasift(home, "keys", "revoke", keys[0]["id"]).returncode == 0
    assert json.loads(_mediasift(home, "keys", "list", "--json").stdout)[0]["revoked_at"] is not None
