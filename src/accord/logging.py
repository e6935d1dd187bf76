"""Every log line of the process as one JSON object on stderr (or console text).

Two roads lead to the same renderer:

* Accord's own loggers (``structlog.get_logger``) render directly: no `logging` machinery
  on the hot path, and a level below the configured one is a no-op method.
* Everything that logs through the standard library (uvicorn, SQLAlchemy, aiohttp,
  alembic, asyncio, Python warnings) goes to one root handler whose
  `structlog.stdlib.ProcessorFormatter` runs the same processors, so a traceback from
  uvicorn is a JSON object too, with a ``logger`` field naming its source.

Both add the request id the request-context middleware set (``request_id``, read from
`kit.context` when a line is written, so a request that logs nothing pays nothing) and
the ids of the current OpenTelemetry span (``trace_id``, ``span_id``): the fields that
tie a line to a request, its trace, and the webhook deliveries it caused. The lines go
to whatever ``sys.stderr`` is when written, not the stream current when a logger was
first used (a test runner or CLI runner swaps it).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from accord.kit.context import request_id_var
from accord.telemetry.trace_context import ids

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}

# Libraries that narrate routine work at INFO: their warnings and errors still show.
_QUIET = ("alembic",)

_handler: logging.Handler | None = None


def _dumps(obj: object, default: Any = None) -> str:
    return orjson.dumps(obj, default=default).decode()


def add_request_id(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """``request_id`` of the request (or dbt import run) being served, when there is one.
    Read from `kit.context` rather than bound per request: binding costs every request
    its time, while this costs only the lines actually written."""
    request_id = request_id_var.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def add_trace_ids(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """``trace_id`` and ``span_id`` of the current span, when there is one."""
    current = ids()
    if current is not None:
        event_dict.setdefault("trace_id", current[0])
        event_dict.setdefault("span_id", current[1])
    return event_dict


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written (loggers are cached on first
    use: one bound to a stream current then would keep writing there)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _StderrHandler(logging.Handler):
    """The root handler: one formatted line per record on the current ``sys.stderr``."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            stream = sys.stderr
            stream.write(line + "\n")
            stream.flush()
        except Exception:  # logging must never take the caller down
            self.handleError(record)


def _renderer(fmt: str) -> Processor:
    if fmt == "json":
        return structlog.processors.JSONRenderer(serializer=_dumps)
    return structlog.dev.ConsoleRenderer(colors=False)


def _shared() -> list[Processor]:
    """What both roads add before rendering."""
    return [
        structlog.contextvars.merge_contextvars,
        add_request_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_ids,
    ]


def _route_stdlib(numeric: int, renderer: Processor) -> None:
    """Replace our root handler (configuring twice must not duplicate lines) and leave any
    other handler alone (pytest's capture handlers live there too)."""
    global _handler
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *_shared()],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(numeric)
    _handler = handler
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    # Python warnings become log records rather than raw text on stderr.
    logging.captureWarnings(True)


def configure_logging(level: str, fmt: str) -> None:
    """Set up both roads for ``level`` (debug|info|warning|error) and ``fmt``
    (json|console). Safe to call again (each app a test builds calls it)."""
    numeric = _LEVELS.get(level, logging.ERROR)
    renderer = _renderer(fmt)
    structlog.configure(
        processors=[*_shared(), structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(_Stderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    _route_stdlib(numeric, renderer)


def announce(event: str, **fields: Any) -> None:
    """A start-up fact an operator must see whatever ``log_level`` says (where the server
    listens): one line through the configured processors, never filtered out."""
    logger = structlog.wrap_logger(
        structlog.PrintLogger(_Stderr()),  # type: ignore[arg-type]
        wrapper_class=structlog.make_filtering_bound_logger(logging.NOTSET),
    )
    logger.info(event, **fields)
