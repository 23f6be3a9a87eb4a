"""The project's one exception base class: the failures a user can cause and fix (a bad seed, a file that is
not an archive, a bad filter, an unreachable Redis), as opposed to bugs.

Every library exception class derives from `DiplomaticCrawlerError` as well as from the built-in class it
always had (`SeedError` is still a `ValueError`, `ArchiveError` still a `RuntimeError`), so the code that
catches them is unchanged. The CLI turns any of them into one line on standard error, `Error: <message>`
and the hint when there is one, with exit status `exit_code` and no traceback (cli/__init__.py); any other
exception is a bug and keeps its traceback.

Standard library only: `readonly` imports it, and the commands that only read an archive start without
loading anything heavier.
"""

from __future__ import annotations

__all__ = ["DiplomaticCrawlerError"]


class DiplomaticCrawlerError(Exception):
    """An expected failure: the message names the real cause; `hint` (optional) says what to do about it."""

    exit_code: int = 1
    hint: str | None = None

    def __init__(self, *args: object, hint: str | None = None) -> None:
        super().__init__(*args)
        if hint is not None:
            self.hint = hint

    def cli_message(self) -> str:
        """The message, and the hint after it on the same line (`message; hint`) unless it says it already."""
        message = str(self)
        if self.hint and self.hint not in message:
            return f"{message}; {self.hint}"
        return message
