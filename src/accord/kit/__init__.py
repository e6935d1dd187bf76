"""Domain-free helpers. Nothing here imports a domain module."""
