"""Who is calling: a credential becomes a `Principal` (workspace, team, scopes)."""
