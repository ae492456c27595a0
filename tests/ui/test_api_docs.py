"""/docs and /redoc work with no network beyond the server: Swagger UI renders every operation."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_docs_pages_load_their_scripts_from_the_server(runtime):  # type: ignore[no-untyped-def]
    from mediasift.api.app import create_app

    client = TestClient(create_app(runtime))
    for page, asset in (
        ("/docs", "/docs-assets/swagger-ui-bundle.js"),
        ("/redoc", "/docs-assets/redoc.standalone.js"),
    ):
        html = client.get(page)
        assert html.status_code == 200 and asset in html.text, page
        assert "cdn.jsdelivr" not in html.text and "fonts.googleapis" not in html.text, page
        script = client.get(asset)
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert len(script.content) > 500_000  # the real bundle
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200
    missing = client.get("/docs-assets/core.py")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert "/docs" not in client.get("/openapi.json").json()["paths"]


def test_swagger_ui_renders_every_operation_offline(page, server):  # type: ignore[no-untyped-def]
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.base) else outside.append(r.url))
    operations = sum(
        len([m for m in item if m in ("get", "post", "put", "patch", "delete")])
        for item in server.client.get("/openapi.json").json()["paths"].values()
    )
    page.goto("/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == operations
    assert page.locator(".info .title").inner_text().startswith("mediasift")
    assert not outside, outside
