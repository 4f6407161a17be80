"""Whether a database connection goes through a transaction pooler (PgBouncer in transaction mode:
geo/settings_nodes.py with GEO_PGBOUNCER=1). There each transaction may run on another server
connection, and what a session sets (SET, a session advisory lock, a temporary table kept past
its transaction) stays on the server connection for the next client:
docs/operations.md#session-state-through-pgbouncer."""

POOLED = "GEO_TRANSACTION_POOLED"  # a key of a DATABASES entry


def mark(settings_dict) -> None:
    """settings_dict: a DATABASES entry reached through the pooler (Django keeps the key with it)."""
    settings_dict[POOLED] = True


def pooled(db) -> bool:
    """db: a Django connection (its settings_dict)."""
    return bool(db.settings_dict.get(POOLED))
