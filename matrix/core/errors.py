"""The one error type the harness raises for problems a user can fix."""

from __future__ import annotations

EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3


class MatrixError(Exception):
    """A problem with a one-line message that names it and the fix, plus an exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message
