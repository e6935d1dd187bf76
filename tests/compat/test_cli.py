"""The CLI contract, through the real console script in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ACCORD = Path(sys.executable).parent / "accord"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ACCORD), "compat", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if name.endswith(".json") else _yaml(doc))
    return str(path)


def _yaml(doc: Any) -> str:
    import yaml

    return str(yaml.safe_dump(doc))


OLD = {"type": "object", "properties": {"a": {"type": "string"}}}
NEW_OPTIONAL = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
NEW_NULLABLE = {"type": "object", "properties": {"a": {"type": ["string", "null"]}}}


def test_compatible_exits_zero(tmp_path: Path) -> None:
    result = _run(_write(tmp_path, "old.json", OLD), _write(tmp_path, "new.yaml", NEW_OPTIONAL))
    assert result.returncode == 0, result.stderr
    assert "forward: compatible" in result.stdout


def test_incompatible_exits_one_with_json(tmp_path: Path) -> None:
    old, new = _write(tmp_path, "o.json", OLD), _write(tmp_path, "n.json", NEW_NULLABLE)
    result = _run("--json", old, new)
    assert result.returncode == 1
    out = json.loads(result.stdout)
    assert out["compatible"] is False
    assert out["verdicts"]["forward"]["outcome"] == "incompatible"
    assert out["verdicts"]["backward"]["outcome"] == "compatible"
    assert {"path", "kind", "direction", "message"} <= set(out["changes"][0])
    witness = out["witnesses"][0]
    assert witness["valid_under"] == "new"
    assert witness["document"] == {"a": None}
    assert witness["path"] == "/a"


def test_mode_and_content_model(tmp_path: Path) -> None:
    old, new = _write(tmp_path, "o.json", OLD), _write(tmp_path, "n.json", NEW_OPTIONAL)
    assert _run("--mode", "full", old, new).returncode == 0
    strict = _run("--mode", "full", "--content-model", "strict", "--json", old, new)
    assert strict.returncode == 1
    assert json.loads(strict.stdout)["verdicts"]["backward"]["outcome"] == "incompatible"


def test_undecided_exits_one(tmp_path: Path) -> None:
    old = _write(tmp_path, "o.json", {"type": "string", "pattern": "^[a-z]+$"})
    # a backreference is not a regular language: no proof, and RE2 cannot confirm a witness
    new = _write(tmp_path, "n.json", {"type": "string", "pattern": "^([a-z])\\1*$"})
    result = _run("--mode", "backward", "--json", old, new)
    assert result.returncode == 1
    assert json.loads(result.stdout)["verdicts"]["backward"]["outcome"] == "undecided"


def test_transitive_history(tmp_path: Path) -> None:
    v1 = _write(tmp_path, "v1.json", {"type": "integer", "maximum": 5})
    v2 = _write(tmp_path, "v2.json", {"type": "integer", "maximum": 10})
    new = _write(tmp_path, "v3.json", {"type": "integer", "maximum": 7})
    assert _run("--mode", "backward", v1, v2, new).returncode == 1
    assert _run("--mode", "backward_transitive", v1, new).returncode == 0
    result = _run("--mode", "backward_transitive", "--json", v1, v2, new)
    assert result.returncode == 1
    out = json.loads(result.stdout)
    back = [w for w in out["witnesses"] if w["mode"] == "backward"]
    assert back[0]["version"] == 1
    assert back[0]["valid_under"] == "old"


def test_table_format(tmp_path: Path) -> None:
    old = _write(tmp_path, "o.yaml", {"columns": [{"name": "id", "type": "int32"}]})
    new = _write(tmp_path, "n.yaml", {"columns": [{"name": "id", "type": "int64"}]})
    result = _run("--mode", "backward", "--format", "table", old, new)
    assert result.returncode == 0, result.stderr
    assert _run("--mode", "forward", "--json", old, new).returncode == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--mode", "sideways", "a.json", "b.json"],
        ["only-one.json"],
        ["missing.json", "missing2.json"],
    ],
)
def test_usage_errors_exit_two(args: list[str]) -> None:
    assert _run(*args).returncode == 2


def test_input_errors_exit_two(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    good = _write(tmp_path, "good.json", OLD)
    result = _run(str(bad), good)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad} is not valid JSON/YAML: ")
    assert result.stderr.strip().endswith("line 1 column 2 (char 1)")
    missing = _run(good, str(tmp_path / "nope.yaml"))
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        f"error: cannot read {tmp_path / 'nope.yaml'}: No such file or directory",
    )
    remote = _write(tmp_path, "remote.json", {"$ref": "https://example.com/s.json"})
    refused = _run(good, remote)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"error: {remote}: ")  # which of the files is wrong
    assert _run("--format", "table", good, good).returncode == 2


def test_yaml_dates_stay_text_and_other_yaml_values_are_input_errors(tmp_path: Path) -> None:
    """A bare date in a YAML schema is the string it spells, as in JSON (it used to end the
    command with a TypeError traceback); values JSON cannot hold are input errors."""
    old = tmp_path / "old.yaml"
    old.write_text("type: string\nenum: [2026-01-01]\n")
    new = tmp_path / "new.yaml"
    new.write_text("type: string\nenum: [2026-01-01, 2026-01-02]\n")
    widened = _run("--mode", "backward", str(old), str(new), "--json")
    assert widened.returncode == 0, widened.stderr
    assert json.loads(widened.stdout)["changes"][0]["message"] == "values added: '2026-01-02'"
    binary = tmp_path / "binary.yaml"
    binary.write_text("type: string\nenum: [!!binary aGk=]\n")
    refused = _run(str(old), str(binary))
    assert (refused.returncode, refused.stderr.strip()) == (
        2,
        f"error: {binary}: a bytes value is not JSON (at enum.0)",
    )


BASE = {
    "$id": "https://schemas.example.com/base.json",
    "$defs": {"name": {"type": "string", "maxLength": 40}},
}


def _user(name: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"name": name}, "required": ["name"]}


def test_remote_references_come_from_ref_and_refs(tmp_path: Path) -> None:
    old = _write(tmp_path, "o.json", _user({"$ref": f"{BASE['$id']}#/$defs/name"}))
    new = _write(tmp_path, "n.json", _user({"type": "string", "maxLength": 10}))
    missing = _run("--mode", "backward", old, new)
    assert missing.returncode == 2
    assert "is not supplied" in missing.stderr
    assert "--ref URI=FILE" in missing.stderr
    assert "--refs DIR" in missing.stderr
    base = _write(tmp_path, "base.json", BASE)
    by_ref = _run("--mode", "backward", "--json", "--ref", f"{BASE['$id']}={base}", old, new)
    assert by_ref.returncode == 1
    assert json.loads(by_ref.stdout)["verdicts"]["backward"]["outcome"] == "incompatible"
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    _write(bundle, "base.json", BASE)
    (bundle / "notes.txt").write_text("not a schema", encoding="utf-8")
    by_dir = _run("--mode", "forward", "--refs", str(bundle), old, new)
    assert by_dir.returncode == 0, by_dir.stderr


def test_a_relative_remote_reference_is_supplied_as_written(tmp_path: Path) -> None:
    old = _write(tmp_path, "o.json", _user({"$ref": "base.json#/$defs/name"}))
    base = _write(tmp_path, "base.json", BASE)
    result = _run("--mode", "full", "--ref", f"base.json={base}", old, old)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ref", "no-equals-sign"], "expected URI=FILE"),
        (["--ref", "https://x/a.json=missing.json"], "missing.json"),
        (["--refs", "nowhere"], "not a directory"),
    ],
)
def test_bad_reference_options_are_input_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    old = _write(tmp_path, "o.json", {"type": "string"})
    result = _run(*args, old, old)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_bundle_file_needs_an_id(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    _write(bundle, "anon.json", {"type": "string"})
    old = _write(tmp_path, "o.json", {"type": "string"})
    result = _run("--refs", str(bundle), old, old)
    assert result.returncode == 2
    assert "has no $id" in result.stderr
    assert "--ref URI=" in result.stderr


def test_dialect_reads_files_without_schema_in_that_draft(tmp_path: Path) -> None:
    old = _write(tmp_path, "o.json", {"type": "array", "contains": {"type": "integer"}})
    new = _write(tmp_path, "n.json", {"type": "array"})
    inferred = _run(old, new)
    assert inferred.returncode == 1, inferred.stdout  # forward: 2020-12 reads `contains`
    draft4 = _run("--dialect", "draft-04", old, new)
    assert draft4.returncode == 0, draft4.stdout + draft4.stderr
    wrong = _run("--dialect", "draft-9", old, new)
    assert wrong.returncode == 2
    assert "draft-04" in wrong.stderr


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b'{"type": "number", "maximum": 1e400}', "it holds 1e400, a number beyond the range"),
        (b'{"type": "string", "const": "\\udfff"}', "it holds \\udfff, half of a UTF-16"),
    ],
)
def test_a_file_json_cannot_hold_exits_two_naming_the_value(
    tmp_path: Path, content: bytes, named: str
) -> None:
    """Python's parser reads both (``inf``; a string no UTF-8 text holds), and the engine
    then failed on them with a traceback."""
    new = tmp_path / "new.json"
    new.write_bytes(content)
    result = _run(_write(tmp_path, "old.json", {"type": "number"}), str(new))
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith(f"error: {new} is not valid JSON/YAML: {named}")
    assert "Traceback" not in result.stderr
