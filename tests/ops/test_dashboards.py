"""The Grafana dashboards (standalone and compose) and the Prometheus alert rules only use metrics
the app really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from mediasift import meters
from tests.conftest import wait_for_job

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NAME = re.compile(r"\b(?:mediasift|process)_[a-z_]+")
# The standalone dashboard and the one the compose stack provisions into Grafana.
DASHBOARDS = (
    DEPLOY / "grafana" / "mediasift.json",
    DEPLOY / "compose" / "grafana" / "dashboards" / "mediasift.json",
)


def _panels(path: Path) -> list[dict]:
    """Every panel of a dashboard, those nested in collapsed rows included."""
    panels = []
    for panel in json.loads(path.read_text())["panels"]:
        panels += [panel, *panel.get("panels", [])]
    return panels


def _exported_names(api) -> set[str]:  # type: ignore[no-untyped-def]
    names = set()
    for family in text_string_to_metric_families(api.get("/metrics").text):
        names.update(sample.name for sample in family.samples)
    return names


def test_both_dashboards_and_the_alerts_reference_only_exported_metrics(make_runtime, client_for):
    api = client_for(make_runtime(), workers=1)
    created = api.post("/v1/media", files={"file": ("a.txt", b"Dashboards need data.")}).json()
    wait_for_job(api, created["job"]["id"])
    bad = api.post("/v1/media", files={"file": ("b.pdf", b"%PDF-1.4 broken")}).json()
    wait_for_job(api, bad["job"]["id"])
    api.get("/v1/search", params={"q": "dashboards"})
    exported = _exported_names(api)

    exprs = [t["expr"] for dashboard in DASHBOARDS for p in _panels(dashboard) for t in p.get("targets", [])]
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"][0]["rules"]
    exprs += [r["expr"] for r in rules]
    used = {name for expr in exprs for name in NAME.findall(expr)}
    # labelled series appear with their first event (ASR, webhooks…): compare family names, taking
    # the declared families from the registry as well as the samples the scrape returned
    families = {re.sub(r"_(bucket|count|sum|total|created)$", "", n) for n in exported}
    families |= {family.name for family in meters.REGISTRY.collect()}
    # …but a series name must be one PromQL can select: a bare counter name ("_total" missing) is not
    suffixed = {n for n in used if re.sub(r"_(bucket|count|sum|total)$", "", n) in families - {n}}
    missing = used - exported - suffixed
    assert not missing, missing
    for dashboard in DASHBOARDS:
        assert all(p.get("targets") for p in _panels(dashboard) if p["type"] != "row"), dashboard
        # the process collector registered in meters.REGISTRY feeds each dashboard's CPU and memory
        process = {
            n for p in _panels(dashboard) for t in p.get("targets", []) for n in NAME.findall(t["expr"])
        }
        assert {"process_cpu_seconds_total", "process_resident_memory_bytes"} <= process, dashboard
    assert {r["alert"] for r in rules} >= {
        "MediasiftQueueBacklog",
        "MediasiftDeadLetters",
        "MediasiftOldestJobTooOld",
        "Mediasift5xx",
        "MediasiftErrorRate",
    }
