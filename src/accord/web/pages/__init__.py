"""The UI's routers, one module per area (see docs/architecture.md, "Add a UI page")."""
