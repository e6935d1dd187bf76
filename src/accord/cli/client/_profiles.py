"""Saved connections (`accord login`): a TOML file of named profiles, readable only by
the user who wrote it.

Where: ``$ACCORD_CONFIG_FILE``, else ``profiles.toml`` in the user's config directory
(``~/.config/accord`` on Linux). Which profile: ``--profile NAME``, else
``$ACCORD_PROFILE``, else ``default``. What wins: a flag, then ``ACCORD_URL`` /
``ACCORD_API_KEY``, then the profile, then the local default URL.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PROFILE = "default"
ENV_PROFILE = "ACCORD_PROFILE"
ENV_CONFIG_FILE = "ACCORD_CONFIG_FILE"


class ProfileError(Exception):
    """The profile file cannot be read, or names no such profile."""


@dataclass(frozen=True)
class Profile:
    name: str
    url: str
    api_key: str


def config_file() -> Path:
    given = os.environ.get(ENV_CONFIG_FILE)
    if given:
        return Path(given)
    from platformdirs import user_config_path

    return user_config_path("accord") / "profiles.toml"


def chosen_name(profile: str | None) -> tuple[str, bool]:
    """The profile to use and whether the user named it (flag or environment)."""
    if profile:
        return profile, True
    env = os.environ.get(ENV_PROFILE, "").strip()
    return (env, True) if env else (DEFAULT_PROFILE, False)


def load_all(path: Path | None = None) -> dict[str, Profile]:
    path = path or config_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path} is not valid TOML: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ProfileError(f"{path}: [profiles] must be a table")
    out: dict[str, Profile] = {}
    for name, entry in profiles.items():
        if not isinstance(entry, dict):
            raise ProfileError(f"{path}: [profiles.{name}] must be a table")
        url, key = entry.get("url", ""), entry.get("api_key", "")
        if not isinstance(url, str) or not isinstance(key, str):
            raise ProfileError(f"{path}: [profiles.{name}] url and api_key must be strings")
        out[name] = Profile(name, url, key)
    return out


def find(profile: str | None) -> Profile | None:
    """The profile to use, or None when none was named and no default is saved."""
    name, named = chosen_name(profile)
    profiles = load_all()
    if name in profiles:
        return profiles[name]
    if not named:
        return None
    known = ", ".join(sorted(profiles)) or "none saved"
    raise ProfileError(
        f"no profile named {name!r} in {config_file()} (profiles: {known}); "
        f"create it with: accord login --profile {name}"
    )


def save(profile: Profile) -> Path:
    """Add or replace ``profile``; the file and its folder are private to the user."""
    path = config_file()
    profiles = load_all(path)
    profiles[profile.name] = profile
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = ["# accord login writes this file; it holds API keys: keep it private.", ""]
    for entry in sorted(profiles.values(), key=lambda p: p.name):
        # A JSON string is a valid TOML basic string.
        lines += [
            f"[profiles.{json.dumps(entry.name)}]",
            f"url = {json.dumps(entry.url)}",
            f"api_key = {json.dumps(entry.api_key)}",
            "",
        ]
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
