"""Base models for API input and output, and the date-time every input takes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict


class InputModel(BaseModel):
    """Request bodies: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _in_utc_calendar(value: dt.datetime) -> dt.datetime:
    """``value`` when its UTC time is a date Python (and so every stored timestamp) holds:
    ``9999-12-31T23:59:59-23:59`` is a valid offset and date, and the year 10000 in UTC."""
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        side = "after 9999-12-31" if value.year > 1 else "before 0001-01-01"
        raise ValueError(f"in UTC this date-time falls {side}, outside the calendar") from None
    return value


# A date-time an input takes: with an offset, within the calendar in UTC.
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc_calendar)]
