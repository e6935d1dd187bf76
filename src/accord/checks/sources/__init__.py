"""Where data lives: DuckDB over files, PostgreSQL tables."""

from accord.checks.sources.base import DataColumn, Source

__all__ = ["DataColumn", "Source"]
