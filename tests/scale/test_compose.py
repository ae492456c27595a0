"""deploy/compose: the services, their wiring and the MEDIASIFT_* settings, read from the YAML.

No Docker engine exists on the development and CI machines, so nothing here starts a container:
the file is parsed and checked for what `docker compose up --scale worker=N` depends on. Where a
``docker`` binary exists, ``docker compose config`` validates it too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from mediasift.config import Settings

COMPOSE_DIR = Path(__file__).resolve().parents[2] / "deploy" / "compose"
COMPOSE = COMPOSE_DIR / "compose.yaml"
MEDIASIFT_SERVICES = ("api", "worker")
_DEFAULTED = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def resolved(value: str) -> str:
    """A value as compose would interpolate it with nothing set: ``${X:-d}`` becomes ``d``."""
    return _DEFAULTED.sub(lambda m: m.group(2) or "", value)


def env_of(compose: dict[str, Any], service: str) -> dict[str, str]:
    return {k: resolved(str(v)) for k, v in compose["services"][service]["environment"].items()}


def test_the_stack_has_every_service_the_design_names(compose: dict[str, Any]):
    assert set(compose["services"]) >= {
        "api", "worker", "postgres", "redis", "minio", "minio-init", "qdrant", "prometheus", "grafana"
    }  # fmt: skip


def test_api_and_workers_share_one_environment_of_real_settings(compose: dict[str, Any]):
    api, worker = (env_of(compose, s) for s in MEDIASIFT_SERVICES)
    assert api == worker  # they must agree on every backend
    fields = set(Settings.model_fields)
    settings_env = {k: v for k, v in api.items() if k.startswith("MEDIASIFT_")}
    unknown = [k for k in settings_env if k.removeprefix("MEDIASIFT_").lower() not in fields]
    assert unknown == []  # a typo would be silently ignored by pydantic-settings
    # and the values validate as Settings would read them from the environment
    settings = Settings(
        _env_file=None, **{k.removeprefix("MEDIASIFT_").lower(): v for k, v in settings_env.items()}
    )  # type: ignore[arg-type]
    assert (settings.store, settings.queue, settings.index, settings.cache) == (
        "s3",
        "db",
        "pgvector",
        "redis",
    )


def test_every_backend_url_points_at_its_compose_service(compose: dict[str, Any]):
    env = env_of(compose, "api")
    services = compose["services"]
    catalog = urlsplit(env["MEDIASIFT_CATALOG_URL"])
    assert catalog.scheme == "postgresql+psycopg" and catalog.hostname == "postgres"
    assert catalog.path == "/" + services["postgres"]["environment"]["POSTGRES_DB"]
    assert catalog.username == services["postgres"]["environment"]["POSTGRES_USER"]
    assert urlsplit(env["MEDIASIFT_S3_ENDPOINT_URL"]).hostname == "minio"
    assert urlsplit(env["MEDIASIFT_REDIS_URL"]).hostname == "redis"
    assert urlsplit(env["MEDIASIFT_QDRANT_URL"]).netloc == "qdrant:6333"
    # the S3 credentials are MinIO's, and the bucket the workers use is the one minio-init creates
    minio = {k: resolved(str(v)) for k, v in services["minio"]["environment"].items()}
    assert env["AWS_ACCESS_KEY_ID"] == minio["MINIO_ROOT_USER"]
    assert env["AWS_SECRET_ACCESS_KEY"] == minio["MINIO_ROOT_PASSWORD"]
    init = services["minio-init"]
    assert resolved(init["environment"]["BUCKET"]) == env["MEDIASIFT_S3_BUCKET"]
    assert "mc mb --ignore-existing" in init["command"][0]
    assert env["MEDIASIFT_S3_SSE"] == ""  # MinIO without a KMS refuses SSE-S3 requests


def test_postgres_has_pgvector_and_redis_evicts_volatile_lru(compose: dict[str, Any]):
    services = compose["services"]
    assert services["postgres"]["image"].startswith("pgvector/pgvector:")
    redis = " ".join(services["redis"]["command"])
    assert "--maxmemory-policy volatile-lru" in redis and "--maxmemory " in redis


def test_workers_can_be_scaled(compose: dict[str, Any]):
    worker = compose["services"]["worker"]
    # --scale worker=N fails on a fixed container name or a published host port
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"][:2] == ["mediasift", "worker"]
    assert worker["depends_on"]["api"]["condition"] == "service_healthy"
    port = worker["command"][worker["command"].index("--metrics-port") + 1]
    assert f"127.0.0.1:{port}/health" in " ".join(worker["healthcheck"]["test"])
    api = compose["services"]["api"]
    assert api["command"][:3] == ["mediasift", "serve", "--no-workers"]


def test_the_api_and_every_worker_share_one_model_cache(compose: dict[str, Any]):
    # each new worker container had built the model graphs again at its first job
    cache = compose["x-mediasift-env"]["MEDIASIFT_MODEL_CACHE"]
    for name in ("api", "worker"):
        assert f"model-cache:{cache}" in compose["services"][name]["volumes"], name
    assert "model-cache" in compose["volumes"]
    assert (
        f"install -d -o mediasift -g mediasift {cache}" in (COMPOSE_DIR.parents[1] / "Dockerfile").read_text()
    )


def test_published_ports_are_loopback_only(compose: dict[str, Any]):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert resolved(str(port)).startswith("127.0.0.1:"), (name, port)


def test_dependencies_wait_for_checks_that_exist(compose: dict[str, Any]):
    services = compose["services"]
    for name, service in services.items():
        for dep, rule in (service.get("depends_on") or {}).items():
            assert dep in services, (name, dep)
            if rule["condition"] == "service_healthy":
                check = services[dep].get("healthcheck", {})
                assert check.get("test") and not check.get("disable"), (name, dep)
    assert services["api"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"


def test_prometheus_scrapes_the_api_and_grafana_reads_prometheus(compose: dict[str, Any]):
    services = compose["services"]
    prom_mount = next(v for v in services["prometheus"]["volumes"] if v.endswith("/prometheus.yml:ro"))
    prom = yaml.safe_load((COMPOSE_DIR / prom_mount.split(":")[0]).read_text())
    api_job, worker_job = prom["scrape_configs"]
    assert api_job["metrics_path"] == "/metrics" and api_job["static_configs"][0]["targets"] == ["api:8000"]
    # every replica of the scaled worker service, by Docker DNS, on the port its command opens
    worker = services["worker"]["command"]
    [sd] = worker_job["dns_sd_configs"]
    assert sd["names"] == ["worker"] and str(sd["port"]) == worker[worker.index("--metrics-port") + 1]
    assert worker[worker.index("--metrics-host") + 1] == "0.0.0.0"
    datasource = yaml.safe_load(
        (COMPOSE_DIR / "grafana/provisioning/datasources/prometheus.yaml").read_text()
    )
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
    dashboard = json.loads((COMPOSE_DIR / "grafana/dashboards/mediasift.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for metric in ("mediasift_queue_depth", "mediasift_queue_dead", "mediasift_http_requests_total"):
        assert metric in exprs


def test_prometheus_loads_the_alert_rules_of_deploy_prometheus(compose: dict[str, Any]):
    volumes = compose["services"]["prometheus"]["volumes"]
    prom_mount = next(v for v in volumes if v.endswith("/prometheus.yml:ro"))
    prom = yaml.safe_load((COMPOSE_DIR / prom_mount.split(":")[0]).read_text())
    patterns = prom["rule_files"]
    config_dir = PurePosixPath(prom_mount.split(":")[1]).parent
    # Prometheus resolves relative rule_files against its config file's directory
    patterns = [str(config_dir / p) for p in patterns]
    mounted = {}
    for volume in volumes:
        host, _, rest = volume.partition(":")
        if host.startswith("."):
            mounted[rest.split(":")[0]] = (COMPOSE_DIR / host).resolve()
    loaded = [host for target, host in mounted.items() if any(fnmatch(target, p) for p in patterns)]
    assert loaded == [(COMPOSE_DIR.parent / "prometheus" / "alerts.yml").resolve()], (patterns, mounted)
    rules = [r for g in yaml.safe_load(loaded[0].read_text())["groups"] for r in g["rules"]]
    assert {"MediasiftQueueBacklog", "MediasiftDeadLetters"} <= {r["alert"] for r in rules}


def _docker_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _docker_compose(), reason="no Docker engine with the compose plugin on this machine")
def test_docker_compose_accepts_the_file():
    subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"], check=True)


def test_every_dashboard_and_alert_metric_is_one_the_app_exports(runtime):  # type: ignore[no-untyped-def]
    from mediasift.ops.metrics import exposition

    exported = set(re.findall(r"^# TYPE (\S+) ", exposition(runtime).decode(), flags=re.M))
    dashboards = [
        COMPOSE_DIR / "grafana/dashboards/mediasift.json",
        COMPOSE_DIR.parent / "grafana/mediasift.json",
    ]
    exprs = [t["expr"] for d in dashboards for p in json.loads(d.read_text())["panels"] for t in p["targets"]]
    exprs.append((COMPOSE_DIR.parent / "prometheus" / "alerts.yml").read_text())
    used = {m for e in exprs for m in re.findall(r"\bmediasift_[a-z_]+", e)}
    # A histogram's series end in _bucket/_count/_sum after the name its TYPE line gives.
    unknown = sorted(
        m for m in used if m not in exported and re.sub(r"_(bucket|count|sum)$", "", m) not in exported
    )
    assert "mediasift_stage_duration_seconds_bucket" in used and "mediasift_queue_delayed" in used
    assert not unknown, unknown
