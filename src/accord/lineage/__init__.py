"""Lineage: edges between assets and transitive closures (blast radius)."""
