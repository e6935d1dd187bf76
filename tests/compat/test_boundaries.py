"""accord.compat is pure: it imports nothing from the server side."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("fastapi", "sqlalchemy", "httpx", "starlette", "alembic", "accord.app", "accord.db")


def test_compat_imports_nothing_from_the_server_side() -> None:
    code = (
        "import sys, accord.compat, accord.compat.table.backend, accord.compat.js.backend\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    leaked = [m for m in out if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert leaked == []
