"""Durations (``90m``, ``12h``, ``30d``, ``2w``), "since" moments and timestamps as the
client commands read and print them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from accord.cli.client._common import InputError

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str, flag: str) -> timedelta:
    """``90m``, ``12h``, ``30d``, ``2w`` (or ``45s``) as a positive duration."""
    found = _DURATION.fullmatch(value.strip().lower())
    if found is None or int(found.group(1)) == 0:
        raise InputError(f"{flag}: {value!r} is not a duration like 90m, 12h, 30d or 2w")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def parse_since(value: str, flag: str = "--since") -> datetime:
    """A moment: a duration ago (``24h``, ``7d``), an ISO date or an ISO date-time (UTC
    when it has no offset)."""
    text = value.strip()
    if _DURATION.fullmatch(text.lower()):
        return datetime.now(UTC) - parse_duration(text, flag)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise InputError(
                f"{flag}: {value!r} is neither a duration like 24h or 7d nor a date like "
                "2025-01-31 or 2025-01-31T12:00:00Z"
            ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(moment: datetime | None, empty: str = "-") -> str:
    """A timestamp for tables, to the minute."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else empty
