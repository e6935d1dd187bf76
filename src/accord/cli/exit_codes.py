"""The exit codes of every `accord` command, defined once.

``0`` the command did what was asked. ``1`` it ran and the answer is "no": the change is
breaking (``check``, ``publish``), data checks failed (``validate``), the audit chain is
broken (``audit verify``), or a server command could not start (database unreachable).
``2`` it could not do what was asked: a usage or input error, an unreachable server, a
refusal from the server; always with a one-line ``error: ...`` on stderr.
"""

from __future__ import annotations

OK = 0
BREAKING = 1
CHECKS_FAILED = 1
STARTUP_FAILED = 1
ERROR = 2

__all__ = ["BREAKING", "CHECKS_FAILED", "ERROR", "OK", "STARTUP_FAILED"]
