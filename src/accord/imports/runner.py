"""Background imports: each job applied chunk by chunk, one transaction per chunk.

Every API process has one `ImportRunner` (built by the lifespan). A job runs as an
asyncio task in the process that accepted it; each process also looks, at start-up and
every `scan_s`, for jobs nobody holds (queued and never started, or whose holder's lease
expired because the process died) and takes them up, at most `max_local` at a time.

A chunk's transaction reads the job (held by our token), applies the chunk, and records
the job's new position and progress in the same commit: a crash between chunks loses
nothing, and the next holder goes on from the next chunk; a crash inside one rolls the
chunk back whole. While a job is held, a heartbeat extends its lease every
`heartbeat_s`; each committed chunk extends it too.

A chunk that fails for a reason that may pass (database busy or down, the engine busy,
a lost uniqueness race) is retried with backoff, up to `MAX_RETRIES` times in a row,
then left to its lease (a later scan takes the job up again); any other failure ends
the job as `failed`, recording which chunk and which asset failed and why. A job taken
up more than `MAX_ATTEMPTS` times (it keeps killing its process, or the trouble does not
pass) fails too. On SQLite the runner pauses between chunks longer than SQLite's busy handler
sleeps, so a writer waiting for the lock always gets it before the next chunk.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import zlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.exc import IntegrityError

from accord.api_key import service as api_key_service
from accord.db import session_scope
from accord.dbt import Project
from accord.deps import engine_for
from accord.exceptions import (
    AccordError,
    DatabaseTroubleError,
    ServiceUnavailableError,
    TooManyRequestsError,
)
from accord.imports import chunks, dbt, jobs
from accord.imports.repository import ImportJobRepository
from accord.kit.clock import utcnow
from accord.kit.context import request_id_var

if TYPE_CHECKING:
    from accord.auth.principal import Principal
    from accord.state import AppState

log = structlog.get_logger("accord.imports")

LEASE_S = 60.0
HEARTBEAT_S = 15.0
SCAN_S = 5.0
MAX_LOCAL = 4  # jobs a process takes up from the scan (jobs it accepts always run)
MAX_RETRIES = 5  # transient failures of one chunk in a row before the job fails
MAX_ATTEMPTS = 10  # times a job may be taken up before it fails as interrupted
# SQLite's busy handler sleeps at most 100 ms between tries (less in the first ~200 ms
# of a wait, never much longer than the wait so far): a pause between chunks longer than
# that lets a writer who waited behind the chunk in before the next chunk takes the lock.
SQLITE_PAUSE_S = 0.11
SQLITE_PAUSE_MARGIN_S = 0.01


class LeaseLostError(Exception):
    """Another process holds the job now (or it ended, or is gone): stop, write nothing."""


@dataclass
class _Job:
    """A held job, parsed once for all its chunks."""

    id: uuid.UUID
    token: str
    principal: Principal
    project: Project
    opts: dbt.ImportOptions
    chunk: chunks.Chunk | None = None  # the one being applied
    retries: int = field(default=0)


class ImportRunner:
    def __init__(
        self,
        state: AppState,
        *,
        lease_s: float = LEASE_S,
        heartbeat_s: float = HEARTBEAT_S,
        scan_s: float = SCAN_S,
        max_local: int = MAX_LOCAL,
    ) -> None:
        self.state = state
        self.lease = timedelta(seconds=lease_s)
        self.heartbeat_s, self.scan_s, self.max_local = heartbeat_s, scan_s, max_local
        self.sqlite = state.engine.dialect.name == "sqlite"
        self._held: dict[uuid.UUID, str] = {}  # job id -> lease token
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None

    # -- life -------------------------------------------------------------------------
    def start(self) -> None:
        """Begin the periodic scan (its first pass runs now: start-up recovery)."""
        self._loop = asyncio.create_task(self._scan_loop(), name="accord-import-scan")

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Cancel the scan and the running jobs (their chunks roll back), then hand the
        jobs back so another process resumes them at once. Never raises."""
        held = list(self._held.values())
        tasks = [t for t in (self._loop, *self._tasks.values()) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s)
        if not held:
            return
        try:
            async with session_scope(self.state.sessionmaker) as session:
                await ImportJobRepository(session).release(held)
        except Exception:
            log.exception("import_release_failed", jobs=len(held))

    async def idle(self) -> None:
        """Wait until no job runs here (tests, and callers that want to drain)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks.values()))

    def new_token(self) -> str:
        return str(uuid.uuid4())

    def launch(self, job_id: uuid.UUID, token: str, *, claimed: bool = False) -> None:
        """Run a job this process holds (with `token`) as a task of its own."""
        self._held[job_id] = token
        task = asyncio.create_task(self._drive(job_id, token, claimed), name=f"import-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda t: self._forget(job_id, t))

    def _forget(self, job_id: uuid.UUID, task: asyncio.Task[None]) -> None:
        self._tasks.pop(job_id, None)
        self._held.pop(job_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("import_task_crashed", job_id=str(job_id), error=repr(task.exception()))

    # -- the scan and the heartbeat ---------------------------------------------------
    async def _scan_loop(self) -> None:
        tick = min(self.scan_s, self.heartbeat_s)
        last_scan = last_beat = float("-inf")
        while True:
            now = time.monotonic()
            if now - last_scan >= self.scan_s:
                last_scan = now
                await _guarded("import_scan_failed", self.scan_once())
            if now - last_beat >= self.heartbeat_s:
                last_beat = now
                # On SQLite this waits behind our own chunk; a miss is harmless there:
                # nobody can take the job while the chunk holds the lock, and its commit
                # extends the lease.
                await _guarded("import_heartbeat_failed", self.heartbeat_once())
            await asyncio.sleep(tick)

    async def scan_once(self) -> int:
        """Take up free jobs (as many as there is room for); return how many."""
        room = self.max_local - len(self._tasks)
        if room <= 0:
            return 0
        async with session_scope(self.state.sessionmaker, write=False) as session:
            free = await ImportJobRepository(session).free(utcnow(), room)
        taken = 0
        for job_id in free:
            if job_id in self._tasks:
                continue
            token = self.new_token()
            async with session_scope(self.state.sessionmaker) as session:
                claimed = await ImportJobRepository(session).claim(
                    job_id, token, utcnow(), self.lease
                )
            if claimed:
                log.info("import_resumed", job_id=str(job_id))
                self.launch(job_id, token, claimed=True)
                taken += 1
        return taken

    async def heartbeat_once(self) -> int:
        tokens = list(self._held.values())
        if not tokens:
            return 0
        async with session_scope(self.state.sessionmaker) as session:
            return await ImportJobRepository(session).extend(tokens, utcnow(), self.lease)

    # -- one job ------------------------------------------------------------------------
    async def _drive(self, job_id: uuid.UUID, token: str, claimed: bool) -> None:
        try:
            job = await self._load(job_id, token, claimed)
        except LeaseLostError:
            return
        if job is None:
            return
        while True:
            began = time.monotonic()
            try:
                last = await self._chunk(job)
            except LeaseLostError:
                log.warning("import_lease_lost", job_id=str(job_id))
                return
            except Exception as exc:
                if not _transient(exc):
                    await self._fail(job, exc)
                    return
                if job.retries >= MAX_RETRIES:
                    # Let the lease run out: a later scan takes the job up again (one
                    # more attempt), here or elsewhere, when the trouble has passed.
                    log.warning("import_deferred", job_id=str(job_id), error=repr(exc))
                    return
                job.retries += 1
                log.warning("import_chunk_retry", job_id=str(job_id), error=repr(exc))
                await asyncio.sleep(min(30.0, 0.5 * 2**job.retries))
                continue
            job.retries = 0
            if last:
                log.info("import_succeeded", job_id=str(job_id))
                return
            await self._between_chunks(time.monotonic() - began)

    async def _between_chunks(self, took_s: float) -> None:
        """Let waiting writers in. PostgreSQL queues lock waiters fairly; SQLite's
        waiters poll, so the pause outlasts their sleep (about the chunk's length)."""
        pause = min(SQLITE_PAUSE_S, took_s + SQLITE_PAUSE_MARGIN_S) if self.sqlite else 0.0
        await asyncio.sleep(pause)

    async def _load(self, job_id: uuid.UUID, token: str, claimed: bool) -> _Job | None:
        async with session_scope(self.state.sessionmaker) as session:
            repo = ImportJobRepository(session)
            if not claimed and not await repo.start(job_id, token, utcnow(), self.lease):
                raise LeaseLostError
            row = await repo.held(job_id, token, with_manifest=True)
            if row is None or row.manifest_gz is None:
                raise LeaseLostError
            packed, attempts = row.manifest_gz, row.attempts
            principal = jobs.principal_of(row)
            environment, owner_team = row.environment, row.owner_team
            first = chunks.plan(len(row.plan), row.chunk_size)[row.next_chunk]
        opts = dbt.ImportOptions(
            environment=environment,
            owner_team=owner_team,
            dry_run=False,
            proposal_ttl=timedelta(days=self.state.settings.proposal_ttl_days),
            engine=engine_for(self.state, principal),
        )
        try:
            raw = await asyncio.to_thread(zlib.decompress, packed)
            project = await asyncio.to_thread(dbt.parse, raw)
        except Exception as exc:  # accepted once, so never expected
            job = _Job(job_id, token, principal, Project(0, None, None, None), opts, first)
            await self._fail(job, exc)
            return None
        job = _Job(job_id, token, principal, project, opts, first)
        if attempts > MAX_ATTEMPTS:
            await self._fail(job, _Interrupted(attempts))
            return None
        return job

    async def _chunk(self, job: _Job) -> bool:
        """Apply the job's next chunk and record it, in one transaction; True if it was
        the last."""
        async with session_scope(self.state.sessionmaker) as session:
            repo = ImportJobRepository(session)
            row = await repo.held(job.id, job.token)
            if row is None:
                raise LeaseLostError
            plan = chunks.plan(len(row.plan), row.chunk_size)
            job.chunk = chunk = plan[row.next_chunk]
            last = chunk.index == len(plan) - 1
            # The key may have been revoked since the import was accepted: stop there.
            await api_key_service.ensure_alive(session, job.principal, utcnow())
            progress = dbt.Progress.model_validate(row.progress)
            importer = dbt.Importer(session, job.principal, job.project, job.opts, progress)
            context = request_id_var.set(row.request_id)
            try:
                await importer.apply(chunk)
                if last:
                    await importer.finish(row.manifest_sha256)
            finally:
                request_id_var.reset(context)
            now = utcnow()
            values: dict[str, Any] = {
                "next_chunk": chunk.index + 1,
                "progress": progress.model_dump(mode="json"),
                "updated_at": now,
            }
            if last:
                values |= _ended("succeeded", now)
            else:
                values["lease_expires_at"] = repo.expiry(now, self.lease)
            if not await repo.save(job.id, job.token, chunk.index, values):
                raise LeaseLostError
        return last

    async def _fail(self, job: _Job, exc: BaseException) -> None:
        chunk = job.chunk
        assert chunk is not None
        error = _failure(exc, chunk, job.project)
        log.warning("import_failed", job_id=str(job.id), **error)
        if not isinstance(exc, AccordError | dbt.AssetFailed | _Interrupted):
            log.error("import_chunk_error", job_id=str(job.id), exc_info=exc)
        try:
            async with session_scope(self.state.sessionmaker) as session:
                values = {"error": error, **_ended("failed", utcnow())}
                await ImportJobRepository(session).save(job.id, job.token, chunk.index, values)
        except Exception:  # the lease runs out; another process retries the chunk
            log.exception("import_fail_not_recorded", job_id=str(job.id))


async def _guarded(event: str, work: Awaitable[int]) -> None:
    """Keep the loop alive: database trouble is expected to pass (next tick retries)."""
    try:
        await work
    except DatabaseTroubleError as exc:
        log.warning(event, error=exc.detail)
    except Exception:
        log.exception(event)


class _Interrupted(Exception):
    def __init__(self, attempts: int) -> None:
        super().__init__(
            f"the import was taken up {attempts} times without finishing (its process "
            "stopped, or the database or the engine stayed unavailable); import the "
            "manifest again"
        )


def _ended(status: str, now: Any) -> dict[str, Any]:
    return {
        "status": status,
        "finished_at": now,
        "updated_at": now,
        "lease_token": None,
        "lease_expires_at": None,
        "manifest_gz": None,  # the job's record stays; the manifest is not needed any more
    }


def _transient(exc: BaseException) -> bool:
    error = exc.error if isinstance(exc, dbt.AssetFailed) else exc
    return isinstance(error, TooManyRequestsError | ServiceUnavailableError | IntegrityError)


def _failure(exc: BaseException, chunk: chunks.Chunk, project: Project) -> dict[str, Any]:
    unique_id = exc.unique_id if isinstance(exc, dbt.AssetFailed) else None
    error = exc.error if isinstance(exc, dbt.AssetFailed) else exc
    if isinstance(error, AccordError):
        code, detail, status = error.instance_code, error.detail, error.status
    elif isinstance(error, _Interrupted):
        code, detail, status = "import_interrupted", str(error), 500
    else:
        code, detail, status = "internal_error", f"unexpected {type(error).__name__}", 500
    item = project.assets.get(unique_id) if unique_id else None
    return {
        "code": code,
        "detail": detail,
        "status": status,
        "phase": chunk.phase,
        "chunk": chunk.index,
        "unique_id": unique_id,
        "fqn": item.fqn if item else None,
    }
