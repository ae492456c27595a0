"""POST /v1/jobs/{id}/retry: a dead job goes back to the queue with fresh attempts and is really
delivered again; jobs that are not dead, or not the caller's, are refused."""

from __future__ import annotations

from tests.conftest import upload, wait_for_job
from tests.docgen import make_pdf


def test_a_dead_job_retried_over_http_runs_again_with_fresh_attempts(tmp_path, make_runtime, client_for):
    api = client_for(make_runtime(), workers=1)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot a document at all")
    created = upload(api, broken)
    job_id, media_id = created["job"]["id"], created["media"]["id"]
    first = wait_for_job(api, job_id)
    assert (first["status"], first["attempts"]) == ("dead", 1)  # corrupt: no second attempt

    retried = api.post(f"/v1/jobs/{job_id}/retry")

    assert retried.status_code == 200, retried.text
    body = retried.json()
    assert (body["id"], body["status"], body["attempts"], body["error"]) == (job_id, "queued", 0, None)
    again = wait_for_job(api, job_id)  # the worker really takes it again, and it fails again
    assert (again["status"], again["attempts"], again["error_code"]) == ("dead", 1, "corrupt_media")
    assert again["finished_at"] > first["finished_at"]
    assert api.get(f"/v1/media/{media_id}").json()["status"] == "failed"


def test_only_the_callers_dead_jobs_can_be_retried(tmp_path, make_runtime, client_for):
    api = client_for(make_runtime(), workers=1)
    good = make_pdf(tmp_path / "good.pdf", [["Lock the freezer at night."]])
    job_id = upload(api, good)["job"]["id"]
    assert wait_for_job(api, job_id)["status"] == "succeeded"

    not_dead = api.post(f"/v1/jobs/{job_id}/retry")
    assert not_dead.status_code == 409 and not_dead.json()["code"] == "conflict"  # as cancel answers
    assert "only dead, failed or cancelled jobs retry" in not_dead.json()["message"]
    other_tenant = api.post(f"/v1/jobs/{job_id}/retry", headers={"X-Mediasift-Tenant": "globex"})
    assert other_tenant.status_code == 404 and other_tenant.json()["code"] == "not_found"
    unknown = api.post("/v1/jobs/01ZZZZZZZZZZZZZZZZZZZZZZZZ/retry")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
