"""What every request body of the API shares: strict types, no unknown fields, bounded values.

:class:`RequestModel` is the base of every request model (``…Create``, ``…Issue``, …;
:class:`RequestSQLModel` for one that shares its fields with a table through a SQLModel
base): unknown fields are refused (``extra_forbidden``, naming the field) and types are strict
where the JSON type is exact, so ``"16"`` or ``true`` is not an integer and ``16`` is
not a string. Dates stay lax because JSON has no date type (they arrive as
``YYYY-MM-DD`` strings) and are held to :data:`PlausibleDate`.

Integers are bounded to their columns: :data:`RowId` for row ids (PostgreSQL
``integer``), :data:`PositiveInt4` for other positive integer columns (a standard's
version); the other integer fields carry their own domain bounds (hours, months,
credits), all far inside the column. The bounds work in bodies and as FastAPI path or
query parameters alike.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from sqlmodel import SQLModel

from issuer.models._types import utcnow

__all__ = [
    "EARLIEST_DATE",
    "INT4_MAX",
    "STRICT_INPUT",
    "PlausibleDate",
    "PositiveInt4",
    "RequestModel",
    "RequestSQLModel",
    "RowId",
    "plausible_date",
]

#: The largest value of a PostgreSQL ``integer`` column (what SQLModel makes of ``int``).
INT4_MAX = 2**31 - 1
#: No achievement the bank records was completed before this day.
EARLIEST_DATE = date(1900, 1, 1)

#: The model configuration of every request body.
STRICT_INPUT = ConfigDict(extra="forbid", strict=True)

PositiveInt4 = Annotated[int, Field(ge=1, le=INT4_MAX)]
#: A row id (a foreign key in a body, an id in a path).
RowId = PositiveInt4


def plausible_date(value: date) -> date:
    """``value`` if it lies between 1900-01-01 and tomorrow (UTC); ``ValueError`` otherwise.

    One day of slack after today covers a caller whose local date is already tomorrow.
    """
    latest = utcnow().date() + timedelta(days=1)
    if value < EARLIEST_DATE:
        raise ValueError(f"the date must not be before {EARLIEST_DATE.isoformat()}")
    if value > latest:
        raise ValueError(f"the date must not be after {latest.isoformat()}")
    return value


PlausibleDate = Annotated[date, Strict(False), AfterValidator(plausible_date)]


class RequestModel(BaseModel):
    """Base of the API's request bodies; see the module docstring."""

    model_config = STRICT_INPUT


class RequestSQLModel(SQLModel):
    """:class:`RequestModel` for request models that also inherit a SQLModel base."""

    # SQLModel's own configuration type is private to it: extend a copy of its value.
    model_config = SQLModel.model_config.copy()
    model_config["extra"] = "forbid"
    model_config["strict"] = True
