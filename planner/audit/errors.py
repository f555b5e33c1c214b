"""The one exception the audit core raises for bad input.

The CLI maps it to a diagnostic with exit code 2 ("could not run"), so it carries the
pieces a diagnostic needs (file, column, hint) as attributes instead of burying them in text.
"""

from __future__ import annotations


class AuditInputError(ValueError):
    """Input to an audit cannot be used as given.

    Parameters
    ----------
    message : str
        What was expected and what was found, as one sentence.
    file : str, optional
        The predictions or counts file the problem was found in.
    column : str, optional
        The column at fault.
    hint : str, optional
        A suggestion to fix it (e.g. a close column name).
    key : str, optional
        For a warehouse source, the key of its spec at fault (`connection`, `table`, `query`, `where`).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        hint: str | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.column = column
        self.hint = hint
        self.key = key

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message} (hint: {self.hint})"
