"""The one shape every form's validation failure takes.

Each form's rules raise a subclass (``InvalidActivity``, ``InvalidProfile`` ...) listing every
problem at once, so the page can show each message beside its field and keep what was typed.

Pure logic: no Flask, no SQL.
"""

from __future__ import annotations


class FormErrors(ValueError):
    """A form has problems; ``errors`` maps each form field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
