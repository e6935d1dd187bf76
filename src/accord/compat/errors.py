"""The one exception the compatibility engine raises on bad input."""

from __future__ import annotations


class SchemaError(ValueError):
    """A schema cannot be analysed: it is invalid, too deep, refers outside itself, etc.

    ``path`` is a JSON pointer (JSON Schema) or a column path (table schema) to the offending
    place, ``""`` for the document root. The message names the problem in one line.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{message} (at {path or '/'})")
        self.message = message
        self.path = path

    def __reduce__(self) -> tuple[type[SchemaError], tuple[str, str]]:
        # Rebuilt from its parts: checks run in worker processes and come back pickled.
        return (type(self), (self.message, self.path))
