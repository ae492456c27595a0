"""OpenTelemetry: one trace runs from the upload request through the queue into the worker's stages,
exported over real OTLP/HTTP to a collector listening on loopback."""

from __future__ import annotations

import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, serve

trace_service_pb2 = pytest.importorskip(
    "opentelemetry.proto.collector.trace.v1.trace_service_pb2", reason="needs the otel extra"
)
pytest.importorskip("opentelemetry.sdk", reason="needs the otel extra (opentelemetry-sdk)")


class _Collector(BaseHTTPRequestHandler):
    spans: list = []  # noqa: RUF012 - one collector per test module, filled by the handler threads
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
        with self.lock:
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    self.spans.extend(scope.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()
        self.wfile.write(trace_service_pb2.ExportTraceServiceResponse().SerializeToString())

    def log_message(self, *args: object) -> None:
        pass


def test_an_upload_and_its_job_stages_are_one_trace(tmp_path: Path) -> None:
    collector = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}/v1/traces"
    port = free_port()
    server = serve(tmp_path / "home", port, otlp_endpoint=endpoint)
    try:
        base = f"http://127.0.0.1:{port}"
        created = httpx.post(
            f"{base}/v1/media", files={"file": ("notes.txt", b"traced words about pumps")}, timeout=30
        ).json()
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/v1/jobs/{created['job']['id']}", timeout=5).json()["status"] != "succeeded":
            assert time.monotonic() < deadline, "job did not succeed"
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)  # a clean exit flushes the batch exporter
        server.wait(timeout=60)
        collector.shutdown()

    spans = {span.name: span for span in _Collector.spans}
    upload, job = spans["POST /v1/media"], spans["mediasift.job"]
    assert job.trace_id == upload.trace_id  # the queue carried the trace
    stages = [spans[f"mediasift.stage.{name}"] for name in ("probe", "extract", "embed", "enrich", "index")]
    assert all(stage.trace_id == upload.trace_id and stage.parent_span_id == job.span_id for stage in stages)
    starts = [stage.start_time_unix_nano for stage in stages]
    assert starts == sorted(starts)
