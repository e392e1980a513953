"""The ASGI middleware around Reflex, on a real ASGI app that reads its body."""

from __future__ import annotations

from starlette.testclient import TestClient

from autocoach.web import SecurityHeadersMiddleware, UploadSizeLimitMiddleware

LIMIT = 1000


async def reading_app(scope, receive, send):
    """Reads the whole body, like Reflex's upload endpoint, then answers its size."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def client() -> TestClient:
    # TestClient runs the app on its own event loop, in its own thread.
    return TestClient(SecurityHeadersMiddleware(UploadSizeLimitMiddleware(reading_app, LIMIT), https=True))


def test_bodies_within_the_limit_pass():
    response = client().post("/_upload", content=b"x" * LIMIT)
    assert (response.status_code, response.text) == (200, str(LIMIT))


def test_a_declared_oversized_body_is_refused_before_reading():
    response = client().post("/_upload", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert "trop volumineux" in response.json()["detail"]


def test_a_streamed_body_is_cut_off_once_over_the_limit():
    def chunks():
        for _ in range(5):
            yield b"x" * 300

    response = client().post("/_upload", content=chunks())  # no Content-Length
    assert response.status_code == 413


def test_other_paths_are_not_limited_and_all_get_security_headers():
    response = client().post("/elsewhere", content=b"x" * (LIMIT * 3))
    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["x-frame-options"] == "DENY"


def test_requests_get_an_id_that_their_log_lines_carry():
    import json
    import logging

    from autocoach.observability import JsonFormatter, RequestIdMiddleware

    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(JsonFormatter().format(record))

    logger = logging.getLogger("autocoach.test")
    logger.addHandler(Capture())
    logger.setLevel(logging.INFO)

    async def logging_app(scope, receive, send):
        logger.info("bonjour")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    client = TestClient(RequestIdMiddleware(logging_app))
    response = client.get("/")
    given = client.get("/", headers={"X-Request-ID": "abc12345-from-proxy"})
    line = json.loads(records[0])
    assert line["message"] == "bonjour" and line["level"] == "INFO"
    assert line["request_id"] == response.headers["x-request-id"]
    assert json.loads(records[1])["request_id"] == given.headers["x-request-id"] == "abc12345-from-proxy"
    bad = client.get("/", headers={"X-Request-ID": "<script>"})
    assert bad.headers["x-request-id"].startswith("req-")
