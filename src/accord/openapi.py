"""The committed OpenAPI document: `python -m accord.openapi` rewrites openapi.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from accord.app import create_app
from accord.config import Environment, Settings


def render() -> str:
    app = create_app(
        Settings(environment=Environment.test, log_level="error"), run_startup_checks=False
    )
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("openapi.json")
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
