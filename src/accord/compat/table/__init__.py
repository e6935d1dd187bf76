"""Table schemas: typed columns with SQL reader semantics."""
