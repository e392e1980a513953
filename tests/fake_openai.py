"""A fake OpenAI-compatible server on 127.0.0.1, for tests that must not touch the network.

It serves POST /v1/chat/completions in the OpenAI format and does what the test
asks: answer some content, answer garbage, hang, fail with an HTTP status, or
refuse `json_schema` response formats (like many local servers) while accepting
`json_object`. Every request is recorded so tests can count calls and read the
prompt, model and response_format.

    def test_x(fake_openai):
        fake_openai.reply_json({"summary": "...", "advice": []})
        settings = fake_openai.settings()
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CHAT_PATHS = {"/v1/chat/completions", "/chat/completions"}


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def prompt(self) -> str:
        """All message contents, joined: what the model was told."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)

    @property
    def response_format_type(self) -> str | None:
        fmt = self.body.get("response_format")
        return fmt.get("type") if isinstance(fmt, dict) else None


@dataclass
class _Behaviour:
    kind: str = "content"  # "content", "refusal", "hang", "status"
    content: str = "{}"
    status: int = 500
    seconds: float = 0.0


@dataclass
class FakeOpenAI:
    """State shared between the test and the server threads."""

    port: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    reject_json_schema: bool = False
    _behaviour: _Behaviour = field(default_factory=_Behaviour)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    # --- What the test asks for -------------------------------------------------

    def reply_json(self, value: Any) -> None:
        """Answer `value` serialised as the message content."""
        self._set(_Behaviour("content", content=json.dumps(value, ensure_ascii=False)))

    def reply_text(self, content: str) -> None:
        """Answer this raw content (malformed JSON, prose, a Markdown fence...)."""
        self._set(_Behaviour("content", content=content))

    def refuse(self, reason: str = "Je ne peux pas répondre à cette demande.") -> None:
        self._set(_Behaviour("refusal", content=reason))

    def hang(self, seconds: float) -> None:
        """Wait this long before answering (beyond the client timeout)."""
        self._set(_Behaviour("hang", seconds=seconds))

    def fail(self, status: int = 500) -> None:
        self._set(_Behaviour("status", status=status))

    def _set(self, behaviour: _Behaviour) -> None:
        with self._lock:
            self._behaviour = behaviour

    # --- What the test reads ----------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    @property
    def last(self) -> RecordedRequest:
        with self._lock:
            return self.requests[-1]

    def settings(self, **overrides: Any):  # -> autocoach.settings.Settings
        """The app's settings pointed at this server, with a test key and model."""
        from autocoach.settings import get_settings

        values = {
            "openai_api_key": "test",
            "openai_base_url": self.base_url,
            "openai_model": "fake",
            **overrides,
        }
        return dataclasses.replace(get_settings(), **values)

    # --- Server side ------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> _Behaviour:
        with self._lock:
            self.requests.append(request)
            return self._behaviour


def _completion(model: str, content: str | None, refusal: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
            pass  # keep pytest output clean

        def _send(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to tell it

        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"_raw": raw.decode("utf-8", "replace")}
            if self.path not in CHAT_PATHS:
                self._send(404, _error(f"no route {self.path}", "invalid_request_error"))
                return
            behaviour = fake._record(
                RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            fmt = body.get("response_format") if isinstance(body, dict) else None
            is_schema = isinstance(fmt, dict) and fmt.get("type") == "json_schema"
            if fake.reject_json_schema and is_schema:
                self._send(
                    400,
                    _error("response_format json_schema is not supported", "invalid_request_error"),
                )
                return
            model = str(body.get("model", "fake"))
            if behaviour.kind == "hang":
                # Interruptible, so stopping the server does not wait for sleepers.
                if fake._stopping.wait(behaviour.seconds):
                    return
                self._send(200, _completion(model, "{}"))
            elif behaviour.kind == "status":
                # Short retry hint: the client's retry on 5xx stays fast in tests.
                self._send(
                    behaviour.status,
                    _error("fake server error", "server_error"),
                    {"retry-after-ms": "10"},
                )
            elif behaviour.kind == "refusal":
                self._send(200, _completion(model, None, refusal=behaviour.content))
            else:
                self._send(200, _completion(model, behaviour.content))

    return Handler


@contextmanager
def running_fake_openai() -> Iterator[FakeOpenAI]:
    """Start the fake on a free loopback port; stop it (and any sleeper) on exit."""
    fake = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    # Short poll: shutdown() waits up to one interval, on every test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        fake._stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as fake:
        yield fake
