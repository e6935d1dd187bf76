"""accord.kit.documents: one reader for every JSON/YAML file the CLI takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.kit.documents import DocumentError, read_document


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
