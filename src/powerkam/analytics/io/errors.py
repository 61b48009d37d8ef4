from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one cell: the row as the user sees it in the file (header = row 1)."""

    row: int
    column: str
    value: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, format, structure, missing columns)."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
