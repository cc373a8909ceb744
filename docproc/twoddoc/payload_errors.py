"""The one exception of the package: a payload whose structure cannot be decoded."""

from __future__ import annotations

from typing import Any

from docproc.errors import Reason


class TwoDDocError(Exception):
    """A payload that cannot be decoded as a 2D-Doc.

    ``code`` is its reason code (a ``twoddoc.*`` member of :class:`docproc.errors.Reason`);
    ``message`` is that code's French sentence, without personal data, fit for a check message.
    """

    def __init__(self, code: Reason, detail: str | None = None) -> None:
        self.code = code
        self.message = code.message
        self.detail = detail
        super().__init__(f"{code.value}: {self.message}" + (f" ({detail})" if detail else ""))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its code (a process boundary keeps it)."""
        return (TwoDDocError, (self.code, self.detail))
