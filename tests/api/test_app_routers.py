"""The API includes every router by default, and only those named when a CLI command asks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mediasift.api.app import ROUTERS, create_app
from mediasift.runtime import Runtime

ROUTES = Path(__file__).parents[2] / "src" / "mediasift" / "api" / "routes"


def test_every_route_module_is_a_router_of_the_app() -> None:
    modules = {p.stem for p in ROUTES.glob("*.py") if p.stem != "__init__" and "\nrouter = " in p.read_text()}
    assert modules == {name for name, _ in ROUTERS}


def test_an_app_of_some_routers_serves_those_and_no_other(runtime: Runtime) -> None:
    with TestClient(create_app(runtime, preload=False, routers=("media", "jobs"))) as client:
        assert client.get("/v1/jobs").status_code == 200
        assert client.get("/v1/media").status_code == 200
        assert client.get("/v1/search", params={"q": "x"}).status_code == 404
    with pytest.raises(ValueError, match="unknown routers"):
        create_app(runtime, preload=False, routers=("media", "serach"))


IMPORTED = """
import sys
from mediasift.cli.main import main
sys.argv = ["mediasift", "ingest", sys.argv[1], "--json"]
try:
    main()
except SystemExit:
    pass
routes = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("mediasift.api.routes."))
print(routes, file=sys.stderr)
"""


def test_ingest_from_the_cli_imports_only_the_routes_it_calls(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("A note about the water temperature for filter coffee.")
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED, str(note)],
        capture_output=True,
        text=True,
        env={
            "MEDIASIFT_HOME": str(tmp_path / "home"),
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": ":".join(sys.path),
        },
        timeout=120,
    )
    assert '"media"' in done.stdout, done.stdout + done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == "['jobs', 'media']"
