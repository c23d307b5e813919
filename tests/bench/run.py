"""`make bench`: every benchmark in one command, written to docs/benchmarks.md.

Each tests/bench/bench_*.py module exposes run() -> list of rows
{"figure", "value", "floor", "ratio", "unit"}; the floor is measured in the same run on
the same machine, so the ratio — not the absolute number — is what a change is held to.
Runs against PostgreSQL and Redis in a database of its own (tsunagu_bench).
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    "bench_registration",
    "bench_surveys",
    "bench_notifications",
    "bench_reports",
    "bench_mixed",
    "bench_records",
    "bench_groupwork",
]


def _bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tsunagu")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/tsunagu_bench"))


def _prepare() -> None:
    import psycopg

    url = _bench_database_url()
    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute("DROP DATABASE IF EXISTS tsunagu_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE tsunagu_bench")
    os.environ["DATABASE_URL"] = url
    # Measure what production runs: DEBUG off (cached template loader, no query log).
    os.environ.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # The static files as production builds them (hashed names in a manifest): the
    # gunicorn processes the benchmarks start serve them from STATIC_ROOT.
    call_command("collectstatic", interactive=False, verbosity=0)


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    _prepare()
    rows: list[dict] = []
    only = set(sys.argv[1:])
    for name in MODULES:
        if only and name not in only:
            continue
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tests.bench.{name}":
                continue
            raise
        started = time.perf_counter()
        print(f"running {name} …", flush=True)
        rows.extend(module.run())
        print(f"  {name} took {time.perf_counter() - started:.1f} s", flush=True)
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d %H:%M %Z')}. Machine: {machine()}.",
        "Each figure is compared with a floor measured in the same run; ratio = value ÷ floor "
        "(for throughput: floor ÷ value is the slowdown).",
        "",
        "| figure | value | floor | ratio | target | machine |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['figure']} | {row['value']} {row.get('unit', '')} | {row.get('floor', '—')} "
            f"{row.get('unit', '') if row.get('floor') not in (None, '—') else ''} | {row.get('ratio', '—')} | "
            f"{row.get('target', '')} | {machine()} |"
        )
    text = "\n".join(lines) + "\n"
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
