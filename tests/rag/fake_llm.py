"""A fake answer-model provider: a real HTTP server on 127.0.0.1 speaking enough of the OpenAI
``/v1/chat/completions`` and Gemini ``generateContent``/``streamGenerateContent`` APIs.

``reply`` (a string, or a function of the request's prompt text) is what it answers; streamed
replies go out in ``chunk_chars``-sized pieces so citation markers are cut between chunks.
``fail_next`` makes the next N requests answer 503; ``delay_s`` stalls before answering.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[str], str]


class FakeLLM:
    def __init__(self, reply: Reply = "An answer [1].") -> None:
        self.reply: Reply = reply
        self.chunk_chars = 4
        self.fail_next = 0
        self.delay_s = 0.0
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_for(self, prompt_text: str) -> str:
        return self.reply(prompt_text) if callable(self.reply) else self.reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if fake.fail_next > 0:
                    fake.fail_next -= 1
                    return self._send(503, {"error": {"message": "overloaded"}})
                if self.path.endswith("/chat/completions"):
                    return self._openai(body)
                if ":generateContent" in self.path or ":streamGenerateContent" in self.path:
                    return self._gemini(body, stream=":streamGenerateContent" in self.path)
                self._send(404, {"error": "no such path"})

            def _openai(self, body: dict[str, Any]) -> None:
                text = fake.answer_for("\n".join(m["content"] for m in body["messages"]))
                if body.get("stream"):
                    deltas = ({"choices": [{"index": 0, "delta": {"content": p}}]} for p in fake.pieces(text))
                    return self._sse(deltas)
                message = {"role": "assistant", "content": text}
                self._send(200, {"choices": [{"index": 0, "message": message}]})

            def _gemini(self, body: dict[str, Any], stream: bool) -> None:
                system = body["systemInstruction"]["parts"][0]["text"]
                text = fake.answer_for(system + "\n" + body["contents"][0]["parts"][0]["text"])

                def candidate(t: str) -> dict[str, Any]:
                    return {"candidates": [{"content": {"parts": [{"text": t}], "role": "model"}}]}

                if stream:  # Gemini's SSE ends when the connection closes: no [DONE]
                    return self._sse((candidate(p) for p in fake.pieces(text)), done=False)
                self._send(200, candidate(text))

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, events: Any, done: bool = True) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for event in events:
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                if done:
                    self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

        return Handler

    def pieces(self, text: str) -> list[str]:
        return [text[i : i + self.chunk_chars] for i in range(0, len(text), self.chunk_chars)]
