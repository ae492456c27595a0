"""Hostile requests against a real `mediasift serve` on loopback: no 5xx, every error is the JSON
``{"code", "message"}`` with an X-Request-ID, /metrics counts every status, and a request that
crashes the app (in a real uvicorn server) is a counted 500 that leaves its connection usable."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mediasift.api.app import create_app
from mediasift.api.http_server import build_server
from tests.servers import free_port, serve

NESTED_METADATA = '{"a":' + "[" * 5000 + "]" * 5000 + "}"


class Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def count(self, method: str, route: str, status: int) -> float:
        text = httpx.get(f"{self.url}/metrics").text
        line = f'mediasift_http_requests_total{{method="{method}",route="{route}",status="{status}"}} '
        found = [float(row[len(line) :]) for row in text.splitlines() if row.startswith(line)]
        return found[0] if found else 0.0

    def statuses(self) -> set[str]:
        """Every status counted, except /ready's: its 503 while models load is the designed answer
        (seen when a loaded machine is slow to start the server)."""
        text = httpx.get(f"{self.url}/metrics").text
        pattern = r'mediasift_http_requests_total\{[^}]*route="([^"]*)"[^}]*status="(\d+)"'
        return {status for route, status in re.findall(pattern, text) if route != "/ready"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    proc = serve(tmp_path_factory.mktemp("hostile") / "home", port, workers="0")
    yield Server(port)
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="module", autouse=True)
def no_5xx_at_the_end(server: Server) -> Iterator[None]:
    yield
    assert not [s for s in server.statuses() if s.startswith("5")]


def assert_error(status: int, headers: dict[str, str], body: bytes, expected: int, code: str) -> None:
    assert status == expected, body[:300]
    payload = json.loads(body)
    assert set(payload) == {"code", "message"} and payload["code"] == code, payload
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"]), headers


def exchange(sock: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes and read one response (status, lower-cased headers, body by Content-Length)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        body += chunk
    return int(status_line.split()[1]), headers, body


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def test_deeply_nested_metadata_is_a_400_and_the_connection_stays_usable(server: Server):
    before = server.count("POST", "/v1/media", 400)
    with httpx.Client(base_url=server.url) as client:
        refused = client.post(
            "/v1/media", data={"metadata": NESTED_METADATA}, files={"file": ("a.txt", b"nested")}
        )
        assert_error(refused.status_code, dict(refused.headers), refused.content, 400, "invalid_request")
        assert client.get("/health").status_code == 200  # the same kept-alive connection
    assert server.count("POST", "/v1/media", 400) == before + 1


def test_a_50_mb_json_body_is_refused_before_it_is_read(server: Server):
    before = server.count("POST", "/v1/ask", 413)
    with connect(server.port) as sock:
        head = (
            b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n"
        )
        # 1 KB of the promised 50 MB: the answer must come without the rest.
        status, headers, body = exchange(sock, head + b'{"question": "' + b"x" * 1024)
    assert_error(status, headers, body, 413, "limit_exceeded")
    assert server.count("POST", "/v1/ask", 413) == before + 1


def test_a_chunked_json_body_is_cut_off_at_the_cap(server: Server):
    def body() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(40):  # 2.6 MB in 64 KiB chunks, no Content-Length
            yield b"x" * 65536
        yield b'"}'

    response = httpx.post(
        f"{server.url}/v1/ask", content=body(), headers={"Content-Type": "application/json"}
    )
    assert_error(response.status_code, dict(response.headers), response.content, 413, "limit_exceeded")


def test_a_json_route_caps_a_body_that_claims_to_be_multipart(server: Server):
    response = httpx.post(
        f"{server.url}/v1/ask",
        content=b"x" * 2_000_000,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert_error(response.status_code, dict(response.headers), response.content, 413, "limit_exceeded")


def test_uploads_and_image_search_are_not_held_to_the_json_cap(server: Server):
    big_text = b"A long maintenance log line about the pump valve.\n" * 40_000  # 2 MB
    uploaded = httpx.post(f"{server.url}/v1/media", files={"file": ("log.txt", big_text)}, timeout=60)
    assert uploaded.status_code == 202, uploaded.text
    not_an_image = httpx.post(f"{server.url}/v1/search", files={"image": ("x.png", b"\x00" * 2_000_000)})
    assert not_an_image.status_code != 413 and not_an_image.status_code < 500, not_an_image.text
    assert set(not_an_image.json()) == {"code", "message"}


def test_bidi_controls_and_line_separators_leave_the_display_name(server: Server):
    sent = {
        "invoice\u202etxt.exe": "invoicetxt.exe",
        "x\u200fy\u2067z.pdf": "xyz.pdf",
        "\U0001f469\u200d\U0001f4bb notes.txt": "\U0001f469\u200d\U0001f4bb notes.txt",  # ZWJ stays
        "a\u2028b\x85c\u2066d.txt": "abcd.txt",
        "café.pdf": "café.pdf",
    }
    for name, shown in sent.items():
        response = httpx.post(
            f"{server.url}/v1/media", files={"file": (name, f"contents of {shown}".encode())}
        )
        assert response.status_code == 202, response.text
        assert response.json()["media"]["filename"] == shown, name


def test_a_range_past_the_end_is_a_416_with_the_error_body(server: Server):
    created = httpx.post(f"{server.url}/v1/media", files={"file": ("r.txt", b"0123456789")}).json()
    media_id = created["media"]["id"]
    response = httpx.get(f"{server.url}/v1/media/{media_id}/original", headers={"Range": "bytes=50-60"})
    assert_error(response.status_code, dict(response.headers), response.content, 416, "range_not_satisfiable")
    assert response.headers["content-range"] == "bytes */10"
    assert server.count("GET", "/v1/media/{media_id}/original", 416) >= 1


def test_a_1_mb_query_string_is_a_414_with_the_error_body(server: Server):
    before = server.count("GET", "unmatched", 414)
    with connect(server.port) as sock:
        request = b"GET /v1/search?q=" + b"x" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        status, headers, body = exchange(sock, request)
    assert_error(status, headers, body, 414, "uri_too_long")
    assert server.count("GET", "unmatched", 414) == before + 1


def test_header_fields_over_the_limit_are_a_431(server: Server):
    with connect(server.port) as sock:
        status, headers, body = exchange(sock, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 40_000)
    assert_error(status, headers, body, 431, "headers_too_large")
    assert server.count("GET", "unmatched", 431) >= 1


def test_a_head_over_the_limit_that_arrives_whole_is_refused_too(server: Server):
    """h11 measures only a head still arriving: one sent in one write had been parsed whatever its
    size (a 100 KB path was a 404 echoing it, a 30 KB header a 200)."""
    with connect(server.port) as sock:
        line = b"GET /v1/media/" + b"x" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        status, headers, body = exchange(sock, line)
        assert_error(status, headers, body, 414, "uri_too_long")
        assert len(body) < 1_000  # the path is not echoed
        status, headers, body = exchange(
            sock, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 30_000 + b"\r\n\r\n"
        )
        assert_error(status, headers, body, 431, "headers_too_large")
        status, _, _ = exchange(sock, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 200  # the connection stays usable


def test_a_malformed_request_is_a_400_with_the_error_body(server: Server):
    with connect(server.port) as sock:
        status, headers, body = exchange(sock, b"NOT HTTP AT ALL\r\n\r\n")
    assert_error(status, headers, body, 400, "invalid_request")


def test_a_malformed_body_is_a_400_counted_once(server: Server):
    before = server.count("POST", "/v1/ask", 400), server.count("POST", "unmatched", 400)
    with connect(server.port) as sock:
        head = b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        status, headers, body = exchange(sock, head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert_error(status, headers, body, 400, "invalid_request")
    deadline = time.monotonic() + 10  # the app, which had the request, counts it as it gives up
    while server.count("POST", "/v1/ask", 400) == before[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (server.count("POST", "/v1/ask", 400), server.count("POST", "unmatched", 400)) == (
        before[0] + 1,
        before[1],
    )


@pytest.fixture
def crashing_server(make_runtime) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """The real app, plus one route with a bug, in a real uvicorn server on loopback."""
    app = create_app(make_runtime())

    def explode() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/v1/explode", explode)
    port = free_port()
    server = build_server(app, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield Server(port)
    server.should_exit = True
    thread.join(10)


def test_a_crash_is_a_counted_500_with_a_request_id_on_a_connection_that_survives(crashing_server: Server):
    before = crashing_server.count("GET", "/v1/explode", 500)
    with connect(crashing_server.port) as sock:
        status, headers, body = exchange(sock, b"GET /v1/explode HTTP/1.1\r\nHost: x\r\n\r\n")
        assert_error(status, headers, body, 500, "internal")
        again, _, _ = exchange(sock, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")  # kept alive
    assert again == 200
    assert crashing_server.count("GET", "/v1/explode", 500) == before + 1


def test_list_parameters_out_of_range_are_refused_as_search_refuses_them(api) -> None:
    for path, params in (
        ("/v1/media", {"limit": "-1"}),
        ("/v1/media", {"kind": "bogus"}),
        ("/v1/media", {"status": "bogus"}),
        ("/v1/jobs", {"limit": "0"}),
        ("/v1/jobs", {"status": "queued,bogus"}),
    ):
        answer = api.get(path, params=params)
        assert answer.status_code in (400, 422) and answer.json()["code"], (path, params, answer.text)
    assert (
        api.get("/v1/jobs", params={"status": "queued,dead", "limit": "100000"}).status_code == 200
    )  # 1,000
    assert api.get("/v1/media", params={"kind": "video", "status": "ready"}).status_code == 200
