"""TEMPORARY until the audit app lands on main: forwards to audit.services.record."""

from __future__ import annotations


def record(**kwargs):
    try:
        from audit.services import record as audit_record
    except ImportError:  # pragma: no cover - removed once audit is on main
        return None
    return audit_record(**kwargs)
