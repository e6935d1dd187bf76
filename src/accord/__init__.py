"""Accord: data contract coordination service."""

__version__ = "0.1.0"
