"""python-jsonschema (and `referencing`) load only when a witness needs the real validator.

Deciding a compatible pair or validating a schema parses and compares, never validates an
instance, so a CI run of `accord compat check` on a compatible change skips the ~50 ms of
importing them. A deterministic guard on `sys.modules`, not a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

PROBE = """\
import json, sys
from accord.compat import check, validate_schema
old, new = json.loads(sys.argv[1]), json.loads(sys.argv[2])
validate_schema(old)
validate_schema(new)
verdict = check(old, new, mode='full')
print(json.dumps({
    'compatible': verdict.compatible,
    'loaded': [m for m in ('jsonschema', 'referencing') if m in sys.modules],
}))
"""

PROPS = {f"p{i}": {"type": "string", "maxLength": 8} for i in range(200)}
OLD = {"type": "object", "properties": PROPS}


def _run(new: Any) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(OLD), json.dumps(new)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_compatible_pair_loads_no_jsonschema() -> None:
    new = {"type": "object", "properties": {**PROPS, "extra": {"type": "integer"}}}
    assert _run(new) == {"compatible": True, "loaded": []}


def test_incompatible_pair_checks_its_witness_with_jsonschema() -> None:
    new = {"type": "object", "properties": {**PROPS, "p0": {"type": "string"}}}
    assert _run(new) == {"compatible": False, "loaded": ["jsonschema", "referencing"]}
