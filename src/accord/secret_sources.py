"""Where secret settings come from besides the environment: files (docs/secrets.md).

``ACCORD_<NAME>_FILE=/path`` reads one secret from a file (Docker and Kubernetes mount
secrets as files; a value in the environment leaks into `ps e`, crash dumps and child
processes). ``ACCORD_SECRETS_DIR=/dir`` reads ``/dir/ACCORD_<NAME>`` for every secret
that has such a file, as the lowest-priority source.

A problem (both a variable and its ``_FILE`` set, a file that cannot be read) is not
raised here: the source hands the field a `SecretProblem`, which the field's validator
turns into an ordinary validation error, so every caller that reports bad settings
(the CLI's one-line errors, the app's start-up) reports this one too. The message names
the variable and the path, never the content.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

PREFIX = "ACCORD_"
SECRETS_DIR_VAR = "ACCORD_SECRETS_DIR"

# Every setting that is a secret: each may come from ACCORD_<NAME>_FILE or the directory.
SECRET_FIELDS = (
    "key_pepper",
    "key_peppers",
    "bootstrap_admin_key",
    "redis_url",
    "oidc_client_secret",
    "database_url",
)


@dataclass(frozen=True)
class SecretProblem:
    """Why a secret could not be read; its field's validator raises ``message``."""

    message: str

    def __repr__(self) -> str:
        return f"SecretProblem({self.message!r})"


def env_name(field: str) -> str:
    return PREFIX + field.upper()


def read_secret_file(variable: str, path: Path) -> str | SecretProblem:
    """The file's text without its trailing newline (what `echo` and editors add)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SecretProblem(f"{variable}: file {path} does not exist")
    except IsADirectoryError:
        return SecretProblem(f"{variable}: {path} is a directory, not a file")
    except PermissionError:
        return SecretProblem(f"{variable}: file {path} is not readable (permission denied)")
    except UnicodeDecodeError:
        return SecretProblem(f"{variable}: file {path} is not UTF-8 text")
    except OSError as exc:
        return SecretProblem(f"{variable}: file {path} cannot be read ({exc.strerror})")
    value = text.rstrip("\r\n")
    if not value:
        return SecretProblem(f"{variable}: file {path} is empty")
    return value


class _Source(PydanticBaseSettingsSource):
    """Shared plumbing; `values` decides what each source yields."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ builds every value at once (the pydantic-settings contract
        # asks for this method all the same).
        value = self.values().get(field_name)
        return value, field_name, False

    def _set(self, name: str) -> str | None:
        value = self.environ.get(name)
        return value if value else None  # empty counts as unset (env_ignore_empty)

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def __call__(self) -> dict[str, Any]:
        return self.values()


class SecretFileVarSource(_Source):
    """``ACCORD_<NAME>_FILE``: above the plain variables, refused together with one."""

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for field in SECRET_FIELDS:
            variable = env_name(field)
            path = self._set(variable + "_FILE")
            if path is None:
                continue
            if self._set(variable) is not None:
                found[field] = SecretProblem(
                    f"{variable} and {variable}_FILE are both set; keep one of them"
                )
            else:
                found[field] = read_secret_file(variable + "_FILE", Path(path))
        return found


class SecretsDirSource(_Source):
    """``$ACCORD_SECRETS_DIR/ACCORD_<NAME>``: below every other source."""

    def values(self) -> dict[str, Any]:
        directory = self._set(SECRETS_DIR_VAR)
        if directory is None:
            return {}
        root = Path(directory)
        if not root.is_dir():
            return {}  # Settings.secrets_dir's own validator says so
        found: dict[str, Any] = {}
        for field in SECRET_FIELDS:
            variable = env_name(field)
            path = root / variable
            if path.exists():
                found[field] = read_secret_file(f"{SECRETS_DIR_VAR} ({variable})", path)
        return found


def file_sources(
    settings_cls: type[BaseSettings], environ: Mapping[str, str] | None = None
) -> tuple[SecretFileVarSource, SecretsDirSource]:
    env = os.environ if environ is None else environ
    return SecretFileVarSource(settings_cls, env), SecretsDirSource(settings_cls, env)


def raise_problem(value: object) -> object:
    """For a secret field's before-validator: a `SecretProblem` becomes the error."""
    if isinstance(value, SecretProblem):
        raise ValueError(value.message)
    return value
