"""Shared pieces of the trace tests: spans captured in memory, W3C values made by hand."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from accord.config import Settings
from accord.telemetry import tracing


def traceparent(sampled: bool = True) -> tuple[str, str, str]:
    """A caller's ``traceparent`` and its trace and span ids (hex)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return f"00-{trace_id}-{span_id}-{'01' if sampled else '00'}", trace_id, span_id


@contextmanager
def captured(settings: Settings) -> Iterator[InMemorySpanExporter]:
    """The spans the provider for ``settings`` ends while inside. The processor stays on
    the (cached) provider, but its exporter stops keeping anything on exit."""
    exporter = InMemorySpanExporter()
    tracing.configure(settings).add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield exporter
    finally:
        exporter.shutdown()


def hex_ids(span: ReadableSpan) -> tuple[str, str, str | None]:
    """(trace id, span id, parent span id) of a finished span, in hex."""
    context = span.get_span_context()
    assert context is not None
    parent = format(span.parent.span_id, "016x") if span.parent is not None else None
    return format(context.trace_id, "032x"), format(context.span_id, "016x"), parent


def named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]
