"""Fault matrix (issue 15, item 8): real `accord` processes under load while things break.

README
======

Two tests, both marked ``faults`` (registered in ``tests/faults/conftest.py``), both part
of the normal suite (``python3 tools/dev.py test`` runs pytest on SQLite, then on
PostgreSQL) and each bounded by a hard overall timeout:

``test_postgres_matrix.py`` (PostgreSQL leg only: ``ACCORD_TEST_DATABASE=postgresql``)
    Its own PostgreSQL cluster (``initdb`` into a temporary directory, its own free port,
    trust auth; run as the ``postgres`` OS user when the test runs as root, since initdb
    and postgres refuse root), migrated by ``accord db upgrade``, two ``accord serve`` and
    two ``accord worker`` processes, a webhook subscription to a loopback receiver
    (``tests/receiver.py``), and ~35 s of steady load through both APIs. During it: one
    worker is SIGKILLed and restarted, PostgreSQL is stopped for ~5 s and started again,
    and the receiver hangs past the webhook timeout for a few seconds. Afterwards every
    event must have reached the receiver (duplicates are the same message: same
    ``webhook-id``, same body, valid signature), each asset's versions are numbered
    1..n without duplicates, ``accord audit verify`` passes, no request got a 500, the API
    answered 503 while the database was down, deliveries resumed within 15 s of its
    return, and no process died on its own. Without PostgreSQL's server binaries
    (``/usr/lib/postgresql/*/bin`` or ``pg_ctl`` on PATH) it is skipped, except under
    ``CI=true`` where that is a failure.

``test_sqlite_lock.py`` (SQLite leg only)
    One ``accord serve`` on a temporary SQLite file with its in-process worker. The test
    holds SQLite's write lock for 10 s from a plain ``sqlite3`` connection while requests
    keep coming: writes must get 503 with ``Retry-After`` (never 500); afterwards the
    process and its worker are alive (``/readyz`` 200), an event created after the
    release is delivered within 15 s, and every event (those created before the lock
    too) is delivered.

Both print their figures (events, delivered, lost, duplicates, 5xx by code, seconds to
recover, requests made) to the terminal even under ``pytest -q`` without ``-s``, before
they assert, so a failing run still shows them. Every process a test starts runs in its
own session and is killed by its id (its process group) at the end, failed or not; the
PostgreSQL cluster is stopped and its directory removed. Process logs are kept in the
temporary directory and their tails are quoted in failure messages.

Run only these: ``.venv/bin/python -m pytest -m faults`` (SQLite) and
``ACCORD_TEST_DATABASE=postgresql .venv/bin/python -m pytest -m faults`` (PostgreSQL);
exclude them with ``-m "not faults"``. They take ~30 s and ~60 s (~45 s and ~85 s under
``--cov``, whose subprocess patch slows every ``accord`` start).

To watch them catch a regression, run them against another tree's code without touching
the checkout: ``git archive <rev> src | tar -x -C /tmp/old`` then prefix the command with
``PYTHONPATH=/tmp/old/src`` (the subprocesses inherit it). Against fd56bc5 both fail:
writes answer 500 while the lock is held or PostgreSQL is down, and the worker loop dies
(on ``database is locked``; on PostgreSQL by an OverflowError in the retry backoff), so
deliveries stop for good. (The PostgreSQL test needs ``accord worker --health-port``.)

Only api-0 gets ``ACCORD_BOOTSTRAP_ADMIN_KEY``: replicas starting together with it race
to create the ``default`` workspace and one may exit 1 (IntegrityError on
``uq_workspaces_name``), a start-up bug outside what this matrix measures.
"""
