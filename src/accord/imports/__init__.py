"""Imports: bring external project metadata (dbt manifests) in through the normal services."""
