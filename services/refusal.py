"""A request the rules refuse, in a form the interface can say in its own language: a stable ``code``, the
values it speaks of (``params``), and an English message for logs and the command line."""

from __future__ import annotations

from typing import Any


class Refusal(ValueError):
    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
