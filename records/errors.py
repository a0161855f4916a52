"""The one root of every known medquote failure, and the check that a value is one of its kinds.

Every error that names its fix (a bad corpus or bank file, a stale index, wrong model weights,
a bad gold file or setting, a feedback store problem) derives from MedquoteError, so the one
handler (medquote/errors.py) catches them all and prints the message, never a stack trace.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class MedquoteError(Exception):
    """A known failure. The message says what is wrong and how to fix it."""


class UnknownValue(MedquoteError, ValueError):
    """A kind, mode or reason that is not one of the allowed values (a typo is never taken quietly)."""


def member(kind: type[E], value: object, what: str) -> E:
    """`value` as a member of the enum `kind`; UnknownValue naming the allowed values otherwise."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass  # reported below, with the allowed values
    allowed = ", ".join(repr(m.value) for m in kind)
    raise UnknownValue(f"Unknown {what} {value!r}: expected one of {allowed}.")
