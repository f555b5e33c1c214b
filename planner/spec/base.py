"""Shared field types and the base model every spec kind derives from.

Strict by default: YAML 1.1 turns an unquoted `NO` into False and `1e3` into a string, so string
fields take strings only and numbers are not parsed from text. Dates are the exception: both an
unquoted YAML date and a quoted ISO string are accepted.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints, ValidationInfo

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"
ENTRY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
PREFIX_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
CATALOGUE_REF_PATTERN = ENTRY_PATTERN.replace("^", PREFIX_PATTERN[:-1] + ":", 1)
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)]
EntryId = Annotated[str, StringConstraints(pattern=ENTRY_PATTERN)]
CatalogueRef = Annotated[str, StringConstraints(pattern=CATALOGUE_REF_PATTERN)]
"""A catalogue entry named with its catalogue's prefix: `eu-ai-act:art-10.2f`, `nist:MEASURE-2.11`."""
Date = Annotated[date, Strict(False)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Direction = Literal["higher", "lower"]


def inside_project(value: str, info: ValidationInfo) -> str:
    """Spec files may name files only inside the project folder (no absolute paths, no `..` out)."""
    root = (info.context or {}).get("root")
    if Path(value).is_absolute() or "://" in value:
        raise ValueError("must be a path relative to the project folder")
    if root is not None:
        resolved = (Path(root) / value).resolve()
        if not resolved.is_relative_to(Path(root).resolve()):
            raise ValueError("must stay inside the project folder")
    return value


ProjectPath = Annotated[str, StringConstraints(min_length=1, max_length=1024), AfterValidator(inside_project)]


def repeated(values: list[str]) -> list[str]:
    """The values that occur more than once, sorted (for a validator's message)."""
    return sorted(value for value, count in Counter(values).items() if count > 1)


class SpecModel(BaseModel):
    """Base of every spec model: unknown keys are refused, field docstrings become descriptions."""

    model_config = ConfigDict(
        strict=True, extra="forbid", use_attribute_docstrings=True, allow_inf_nan=False, frozen=True
    )


class Item(SpecModel):
    """An item that other items can refer to by its id."""

    id: Id
    """Unique identifier across the whole project (letters, digits, `_`, `.`, `-`)."""
    satisfies: list[CatalogueRef] = Field(default_factory=list)
    """Catalogue entries this item evidences beyond those its catalogue maps to it automatically,
    each as `prefix:entry` (e.g. `eu-ai-act:art-10.2f`, `nist:MEASURE-2.11`)."""
