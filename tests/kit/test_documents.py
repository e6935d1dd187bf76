"""accord.kit.documents: one reader for every JSON/YAML file the CLI takes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accord.kit.documents import MAX_DEPTH, DocumentError, json_problem, read_document


def test_json_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"when": "2026-01-01", "n": [1, 2.5, null]}')
    (tmp_path / "a.yaml").write_text("when: 2026-01-01\nat: 2026-01-01T10:00:00Z\nn: [1, 2.5, ~]\n")
    (tmp_path / "a.JSON").write_text("[true]")
    assert read_document(tmp_path / "a.json") == {"when": "2026-01-01", "n": [1, 2.5, None]}
    # Dates and timestamps stay the text they were written as, as in JSON.
    assert read_document(tmp_path / "a.yaml") == {
        "when": "2026-01-01",
        "at": "2026-01-01T10:00:00Z",
        "n": [1, 2.5, None],
    }
    assert read_document(tmp_path / "a.JSON") == [True]


def test_yaml_is_safe(tmp_path: Path) -> None:
    (tmp_path / "evil.yaml").write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(DocumentError, match=r"evil.yaml is not valid JSON/YAML: .*\(line 1,"):
        read_document(tmp_path / "evil.yaml")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.yaml", None, r"cannot read .*missing.yaml: No such file or directory$"),
        ("latin1.yaml", "name: caf\xe9\n".encode("latin-1"), r": not UTF-8 text \(byte 9\)$"),
        ("bad.json", b'{"a": 1,\n "b": }', r"bad.json is not valid JSON/YAML: .*line 2 column 7"),
        # The wording is LibYAML's (or PyYAML's own without it); the place is always given.
        ("open.yaml", b"a: [", r"open.yaml is not valid JSON/YAML: \w.* \(line \d, column \d\)$"),
        (
            "tabs.yaml",
            b"a:\n\tb: 1\n",
            r"tabs.yaml is not valid JSON/YAML: .* \(line 2, column 1\)$",
        ),
        ("deep.json", b"[" * 100_000, r"deep.json is not valid JSON/YAML: nested too deeply$"),
        # Python's parser reads these; JSON has neither
        (
            "nan.json",
            b'{"maximum": NaN}',
            r"nan.json is not valid JSON/YAML: it holds NaN, which is not a JSON number$",
        ),
        (
            "inf.json",
            b"[-Infinity]",
            r"is not valid JSON/YAML: it holds -Infinity, which is not a JSON number$",
        ),
        # ... and these, which JSON has but no document can hold: inf, an int too long for
        # Python to read, a string that is not Unicode
        (
            "big.json",
            b'{"maximum": 1e400}',
            r"big.json is not valid JSON/YAML: it holds 1e400, a number beyond the range of a "
            r"double$",
        ),
        (
            "long.json",
            b"[" + b"9" * 5000 + b"]",
            r"long.json is not valid JSON/YAML: it holds an integer of 5000 digits \(at most "
            r"4300 are read\)$",
        ),
        (
            "half.json",
            b'{"a": "\\ud800"}',
            r"half.json is not valid JSON/YAML: it holds \\ud800, half of a UTF-16 surrogate "
            r"pair without its other half$",
        ),
    ],
)
def test_errors_say_what_and_where(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(DocumentError, match=message):
        read_document(tmp_path / name)


def test_directory_and_label(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"cannot read .*: Is a directory$"):
        read_document(tmp_path)
    (tmp_path / "s.yaml").write_text("a: [")
    with pytest.raises(DocumentError, match=r"^schema file s.yaml is not valid JSON/YAML: "):
        read_document(tmp_path / "s.yaml", "schema file s.yaml")


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("a: [1, !!binary aGk=]\n", r"a bytes value is not JSON \(at a\.1\)$"),
        ("a: !!set {x}\n", r"a set value is not JSON \(at a\)$"),
        ("a: {1: x}\n", r"the int key 1 is not JSON \(at a\.1\)$"),
        ("a: {~: x}\n", r"the NoneType key None is not JSON \(at a\.None\)$"),
        ("a: {b: &loop [1, *loop]}\n", r"nesting deeper than 1000 levels \(at a\)$"),
        ("a: {maximum: .nan}\n", r"NaN is not a JSON number \(at a\.maximum\)$"),
        ("a: [1, -.inf]\n", r"-Infinity is not a JSON number \(at a\.1\)$"),
        # "billion laughs": ten aliases of ten aliases ... spell out 10**9 values
        (
            "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9)),
            r"more than 1,000,000 values \(each alias counted\) \(at l\d\)$",
        ),
    ],
)
def test_yaml_that_json_cannot_hold(tmp_path: Path, yaml_text: str, message: str) -> None:
    (tmp_path / "x.yaml").write_text(yaml_text)
    with pytest.raises(DocumentError, match=r"x\.yaml: " + message):
        read_document(tmp_path / "x.yaml")


def test_json_problem_accepts_json_and_shared_values() -> None:
    shared = {"type": "string"}
    assert json_problem({"a": [shared, shared], "b": [1, 2.5, True, None, "s"]}) is None
    assert json_problem([]) is None
    assert json_problem(b"x") == ("/", "a bytes value is not JSON")
    deep: list[object] = []
    doc = {"k": deep}
    for _ in range(MAX_DEPTH - 1):
        deep.append([])
        deep = deep[0]  # type: ignore[assignment]
    assert json_problem(doc) is None  # exactly MAX_DEPTH levels below the root
    deep.append([])
    assert json_problem(doc) == ("k", f"nesting deeper than {MAX_DEPTH} levels")


def test_json_files_do_not_load_yaml(tmp_path: Path) -> None:
    """PyYAML is imported for the first YAML file only: ~10 ms of every `accord` run."""
    (tmp_path / "a.json").write_text('{"a": 1}')
    (tmp_path / "bad.json").write_text('{"a": ')
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from accord.kit.documents import DocumentError, read_document\n"
        "read_document(Path(sys.argv[1]))\n"
        "try:\n"
        "    read_document(Path(sys.argv[2]))\n"
        "except DocumentError as exc:\n"
        "    print(exc)\n"
        "print('yaml' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "a.json"), str(tmp_path / "bad.json")],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    message, loaded = out.stdout.splitlines()
    assert message.startswith(f"{tmp_path / 'bad.json'} is not valid JSON/YAML: Expecting value")
    assert loaded == "False"
