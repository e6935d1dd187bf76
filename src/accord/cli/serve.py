"""`accord serve`: start the HTTP API (and, on the embedded default, a worker).

The listening socket is bound before anything else, so a busy port is one line naming
``--port``; on an embedded database that has no workspace yet, the first start creates
the `default` workspace and shows its admin key once, with the `accord login` line.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import TYPE_CHECKING, Any

import typer

from accord.cli._common import fail, load_settings
from accord.cli.exit_codes import STARTUP_FAILED

if TYPE_CHECKING:
    import uvicorn

    from accord.config import Settings


async def _prepare(settings: Settings) -> str | None:
    """Migrations and checks; the first run's admin key, if this start made it."""
    from accord.db import create_engine, create_sessionmaker
    from accord.startup import first_run_key, prepare

    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        await prepare(settings, engine, sessionmaker)
        return await first_run_key(settings, sessionmaker)
    finally:
        await engine.dispose()


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening, or one line saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        fail(f"cannot listen on {host!r}: {exc.strerror} (set --host or ACCORD_HOST)")
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(
                f"port {port} on {host} is already in use: stop what holds it, or start "
                f"Accord on another port with --port N (or ACCORD_PORT)",
                STARTUP_FAILED,
            )
        fail(f"cannot listen on {host}:{port}: {exc.strerror}", STARTUP_FAILED)
    # Listening now, not when uvicorn starts serving: once the "listening on" line is
    # out, a client's connection waits in the backlog while the app is built (it was
    # refused in that window). uvicorn's own listen() only sets the backlog again.
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _first_run(key: str, url: str) -> None:
    """Plain text whatever the log format: an instruction for the person at the terminal,
    shown once, with a command to copy (ADR 0034: the one line on stderr that is not
    JSON, and only on an embedded database's first start)."""
    typer.echo(
        "\nFirst run: created the 'default' workspace and its admin key. It is shown once;"
        " store it now:\n\n"
        f"    {key}\n\n"
        "Log in with it (saves a profile only you can read):\n\n"
        f"    accord login --url {url} --api-key {key}\n",
        err=True,
    )


def _say(settings: Settings, event: str, text: str, **fields: object) -> None:
    """A start-up line: a JSON log line (``message`` holds the text) unless the operator
    chose console logs, where it stays plain text."""
    if settings.log_format == "json":
        from accord.logging import announce

        announce(event, message=text, **fields)
    else:
        typer.echo(text, err=True)


def _note_old_data_dir(settings: Settings) -> None:
    """Earlier releases kept the database in ./data: say so rather than start empty."""
    from pathlib import Path

    old = Path("data", "accord.db").absolute()
    if settings.database_url is None and old.exists() and old.parent != settings.data_dir:
        _say(
            settings,
            "old_data_dir_found",
            f"note: {old} is from an earlier release's default; this server uses "
            f"{settings.data_dir}. Set ACCORD_DATA_DIR={old.parent} to keep using it.",
            old=str(old),
        )


def serve(
    host: str | None = typer.Option(None, help="Bind address (default: ACCORD_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: ACCORD_PORT).", min=1, max=65535),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        max=64,
        help="API processes sharing the port (default: ACCORD_API_WORKERS, 1).",
    ),
) -> None:
    """Start Accord. On the embedded SQLite default it applies migrations itself."""
    import uvicorn

    from accord.app import create_app
    from accord.config import bind_problems
    from accord.logging import configure_logging
    from accord.startup import StartupError

    settings = load_settings()
    problems = bind_problems(settings, host) if host else []
    if problems:
        fail("unsafe settings: " + "; ".join(problems))
    host, port = host or settings.host, port or settings.port
    sock = _listen(host, port)
    configure_logging(settings.log_level, settings.log_format)
    try:
        key = asyncio.run(_prepare(settings))
    except StartupError as exc:
        sock.close()
        fail(str(exc), STARTUP_FAILED)
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    if key is not None:
        _first_run(key, url)
    _note_old_data_dir(settings)
    processes = workers or settings.api_workers
    worker = "with an in-process worker" if settings.should_run_worker_in_process else "no worker"
    database = "PostgreSQL" if not settings.is_sqlite else "SQLite"
    if settings.database_url is None:
        database = f"SQLite in {settings.data_dir}"
    if processes > 1:
        worker = worker.replace("an in-process worker", "an in-process worker each")
    _say(
        settings,
        "listening",
        f"Accord listening on {url} (database: {database}, {worker}"
        + (f", {processes} API processes" if processes > 1 else "")
        + ")",
        url=url,
        processes=processes,
    )
    if processes > 1:
        _run_many(settings, sock, processes)
        return
    app = create_app(settings, run_startup_checks=False, warm_engine=True)
    uvicorn.Server(_config(app)).run(sockets=[sock])


def _config(app: Any, **more: Any) -> uvicorn.Config:
    import uvicorn

    return uvicorn.Config(
        app,
        # uvicorn's records go to the root handler `configure_logging` installed (JSON
        # lines); its own config would add handlers printing plain text.
        log_config=None,
        log_level="warning",
        # The request-context middleware writes the access line (with the request id).
        access_log=False,
        server_header=False,
        # The client address is the socket peer unless ACCORD_TRUSTED_PROXIES says
        # otherwise (ratelimit/identity.py); uvicorn must not rewrite it first.
        proxy_headers=False,
        **more,
    )


def _run_many(settings: Settings, sock: socket.socket, processes: int) -> None:
    """``processes`` API processes on one socket, under uvicorn's supervisor (it restarts
    a process that dies and stops them all on SIGINT/SIGTERM). Metrics must add up across
    them: without ACCORD_METRICS_DIR, a directory of this run's own is made and removed
    at exit (docs/metrics.md)."""
    import os
    import shutil
    import tempfile

    from uvicorn.supervisors import Multiprocess

    made = None
    if settings.metrics_enabled and settings.metrics_dir is None:
        made = tempfile.mkdtemp(prefix="accord-metrics-")
        os.environ["ACCORD_METRICS_DIR"] = made  # the children read it at start
    try:
        config = _config("accord.app:served_app", factory=True, workers=processes)
        Multiprocess(config, sockets=[sock]).run()
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
