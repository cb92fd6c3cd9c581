"""Domain errors: each carries text a user can act on."""

from __future__ import annotations


class DomainError(ValueError):
    """A rule was broken by the input; the message says what was wrong."""


class InvalidValue(DomainError):
    """A value, date or option that does not parse."""


class UnknownName(DomainError):
    """A name that matches nothing. `suggestion` is the one closest key, when one is close
    enough to be what was meant; `candidates` lists what would have matched (an ambiguous
    prefix's matches)."""

    def __init__(
        self, message: str, *, candidates: list[str] | None = None, suggestion: str | None = None
    ) -> None:
        super().__init__(message)
        self.candidates = candidates or []
        self.suggestion = suggestion

    def hint(self) -> str:
        """What to say after the message: the suggestion, or the candidates, in `code`."""
        if self.suggestion:
            return f"Did you mean `{self.suggestion}`?"
        if self.candidates:
            return "Did you mean: " + ", ".join(f"`{c}`" for c in self.candidates) + "?"
        return ""


class AmbiguousName(UnknownName):
    """A prefix that matches more than one thing."""
