"""OTLP export: with ACCORD_OTLP_ENDPOINT set, request spans reach a collector as
OTLP/HTTP protobuf; without it nothing is exported (tested by the absence of any
exporter on the default provider)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.app import create_app
from accord.config import Settings
from accord.telemetry import tracing
from tests.conftest import Actors, make_settings
from tests.telemetry.tracing_helpers import traceparent


class _Collector(BaseHTTPRequestHandler):
    """Keeps every POST (path, content type, body) on the server object."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.posts.append(  # type: ignore[attr-defined]
            (self.path, self.headers.get("Content-Type"), body)
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def collector() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.posts = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


async def test_request_spans_are_exported_over_otlp_http(
    collector: ThreadingHTTPServer,
    database_url: str,
    engine: AsyncEngine,
    actors: Actors,
    settings: Settings,
) -> None:
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}/v1/traces"
    exporting = make_settings(database_url, otlp_endpoint=endpoint, trace_sample_ratio=1.0)
    app = create_app(exporting, run_startup_checks=False)
    header, trace_id, _ = traceparent()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                r = await http.get("/api/v1/teams", headers={**actors.admin, "traceparent": header})
                assert r.status_code == 200
        # The batch exporter posts from its own thread: flush without blocking the loop.
        assert await asyncio.to_thread(tracing.configure(exporting).force_flush, 10_000)
    finally:
        tracing.configure(settings)  # later tests' deliveries use the session's provider
    posts = collector.posts  # type: ignore[attr-defined]
    assert posts, "nothing was exported"
    assert {(path, kind) for path, kind, _ in posts} == {("/v1/traces", "application/x-protobuf")}
    exported = ExportTraceServiceRequest()
    spans = []
    for _, _, body in posts:
        exported.ParseFromString(body)
        for resource in exported.resource_spans:
            service = {a.key: a.value.string_value for a in resource.resource.attributes}
            assert service["service.name"] == "accord"
            spans += [s for scope in resource.scope_spans for s in scope.spans]
    [span] = [s for s in spans if s.name == "GET /api/v1/teams"]
    assert span.trace_id.hex() == trace_id


def test_no_endpoint_no_exporter(settings: Settings) -> None:
    assert settings.otlp_endpoint is None
    provider = tracing.configure(settings)
    processors = provider._active_span_processor._span_processors  # no public accessor
    assert not [p for p in processors if type(p).__name__ == "BatchSpanProcessor"]
