"""Loading the golden corpora under tests/compat/cases/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).parent / "cases"
LETTER = {"c": "compatible", "x": "incompatible", "u": "undecided"}


def load(name: str) -> list[dict[str, Any]]:
    """Cases of one corpus file."""
    path = CASES / name
    text = path.read_text(encoding="utf-8")
    data: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return list(data["cases"] if isinstance(data, dict) else data)


def expected(case: dict[str, Any], mode: str) -> str:
    """Expected outcome name for ``mode`` ('backward' or 'forward')."""
    return LETTER[case[mode]]
