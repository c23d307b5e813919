"""Stop `make test` at once when PostgreSQL or Redis is not reachable.

The suite is meant to prove behaviour on the real services (row locks, the broker),
so a missing service is an error with a message, never a silent skip.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

import psycopg
import redis


def main() -> int:
    problems: list[str] = []
    db_url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(db_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        problems.append(f"DATABASE_URL must point at PostgreSQL for the tests (got {db_url!r}).")
    else:
        try:
            psycopg.connect(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 5432,
                user=parts.username or "postgres",
                password=parts.password or None,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except Exception as exc:
            problems.append(
                f"PostgreSQL is not reachable at {parts.hostname}:{parts.port or 5432} ({exc}).\n"
                "  Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            )
    redis_url = os.environ.get("REDIS_URL", "")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:
        problems.append(
            f"Redis is not reachable at {redis_url} ({exc}).\n"
            '  Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
        )
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
