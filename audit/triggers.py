"""The database's half of "append-only": PostgreSQL refuses UPDATE and DELETE of audit rows.

The ORM never updates or deletes an AuditEntry, but a bug, a shell session or an injected
query could; the trigger makes the refusal the database's, whoever asks. Two narrow
exceptions, each of which leaves what an entry says intact:

* deleting a user sets `actor_id` to NULL (on_delete=SET_NULL) — allowed only when that
  is the sole change; the denormalised `actor_label` keeps saying who it was;
* the retention purge (`audit.services.purge_expired`) may DELETE rows older than
  365 days, and only after it sets the transaction-local flag `tsunagu.audit_purge`.

TRUNCATE is not a row operation and is left to the table's owner (the test suite's
flush uses it). SQLite (make run) has no trigger: the guarantee is PostgreSQL's.
"""

from __future__ import annotations

TABLE = "audit_auditentry"
MIN_RETENTION_DAYS = 365

INSTALL_SQL = f"""
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       AND current_setting('tsunagu.audit_purge', true) = 'on'
       AND OLD.at < now() - interval '{MIN_RETENTION_DAYS} days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: % of entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_entry_append_only ON {TABLE};
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""

UNINSTALL_SQL = f"""
DROP TRIGGER IF EXISTS audit_entry_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


def install(connection) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(INSTALL_SQL)


def uninstall(connection) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(UNINSTALL_SQL)
