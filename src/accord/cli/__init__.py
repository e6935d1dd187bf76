"""The `accord` command line: server commands and thin client commands."""
