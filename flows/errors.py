"""Errors of flow files, each naming the file and, where it applies, the step."""

from __future__ import annotations

from collections.abc import Sequence


class FlowError(Exception):
    """One problem in one flow file."""

    def __init__(self, source: str, problem: str, step: str | None = None) -> None:
        self.source = source
        self.problem = problem
        self.step = step
        where = f"{source}: step {step!r}" if step else source
        super().__init__(f"{where}: {problem}")


class FlowErrors(Exception):
    """Every problem found in one or more flow files, reported together."""

    def __init__(self, errors: Sequence[FlowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class FormError(FlowError):
    """One problem in a spreadsheet form, at a sheet, row and column, with what to do.

    `message` is an English msgid with `{named}` fields, so the dashboard and the command line
    say it in the reader's language (`describe`); `str()` gives the English.
    """

    def __init__(
        self,
        source: str,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        **fields: object,
    ) -> None:
        self.sheet, self.row, self.column = sheet, row, column
        self.message, self.fields = message, fields
        super().__init__(source, self.where() + _fill(message, fields))

    def where(self) -> str:
        """Say where the problem is, in English ("survey, row 4, column type: ")."""
        parts = [
            p
            for p in (self.sheet, f"row {self.row}" if self.row else None, self.column)
            if p is not None
        ]
        if self.column is not None and len(parts) > 1:
            parts[-1] = f"column {self.column}"
        return ", ".join(parts) + ": " if parts else ""


def _fill(message: str, fields: dict[str, object]) -> str:
    try:
        return message.format(**fields)
    except (KeyError, IndexError, ValueError):
        return message
