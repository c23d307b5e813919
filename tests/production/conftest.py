"""A production Tsunagu on this machine: built as the README says, run by gunicorn and Celery.

The site gets a database of its own (the test database's name + "_site"), migrated by
`manage.py migrate` like a real deployment (the rest of the suite creates its tables
without migrations), filled by `load_demo`, and served with DEBUG off, the manifest static
storage and SECURE_SSL_REDIRECT on. Every server listens on a port the OS picks.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def readme_build_commands() -> list[list[str]]:
    """The build lines of the README's production section, as argument lists."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- production-build", 1)[1].split("<!-- /production-build -->", 1)[0]
    lines = [line.strip() for line in block.splitlines() if line.strip().startswith(".venv/bin/")]
    assert lines, "README.md lost its production-build block"
    return [shlex.split(line) for line in lines]


def bound_socket() -> socket.socket:
    """A listening address picked by the OS, handed to the server as an open descriptor."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database() -> dict:
    from django.db import connection

    return dict(connection.settings_dict)


def _database_url(name: str) -> str:
    db = _test_database()
    auth = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _admin_connection():
    db = _test_database()
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def recreate_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Site:
    """The running production site: its environment, folders and processes."""

    root: Path
    env: dict[str, str]
    database: str
    url: str = ""
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def mail_dir(self) -> Path:
        return self.root / "mail"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def manage(self, *args: str, env: dict | None = None, check: bool = True, timeout: float = 300):
        result = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self, name: str, argv: list[str], *, env: dict | None = None, pass_fds=()) -> subprocess.Popen:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT, pass_fds=pass_fds
        )
        self.procs[name] = proc
        return proc

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_web(self, name: str = "web", *, env: dict | None = None, workers: int = 2) -> str:
        sock = bound_socket()
        try:
            self.start(
                name,
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi:application",
                    "--bind",
                    f"fd://{sock.fileno()}",
                    "--workers",
                    str(workers),
                    "--timeout",
                    "60",
                ],
                env=env,
                pass_fds=(sock.fileno(),),
            )
            host, port = sock.getsockname()
        finally:
            sock.close()
        url = f"http://{host}:{port}"
        wait_for_http(url + "/healthz", self.procs[name], lambda: self.log(name))
        return url

    def start_worker(self, name: str = "worker", *, env: dict | None = None) -> None:
        self.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--queues=default,mail,surveys,reports",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                f"--hostname={name}-{os.getpid()}@%h",
            ],
            env=env,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.log(name):
            if self.procs[name].poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the Celery worker did not start:\n{self.log(name)}")
            time.sleep(0.2)

    def mails(self) -> list[Path]:
        return sorted(self.mail_dir.glob("*.eml")) if self.mail_dir.exists() else []


def wait_for_http(url: str, proc: subprocess.Popen, log, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: the server exited:\n{log()}")
        with contextlib.suppress(requests.RequestException):
            requests.get(url, timeout=2, headers={"X-Forwarded-Proto": "https"})
            return
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer:\n{log()}")


def start_private_redis(site: Site) -> str | None:
    """A Redis server of the site's own, when redis-server is installed (it is wherever
    `make test` finds Redis on this machine): other helpers' test runs flush their Redis
    databases between tests, and the unit tests leave messages in their queues."""
    binary = shutil.which("redis-server")
    if not binary:
        return None
    port = free_port()
    site.start(
        "redis",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(site.root)],
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"redis-server did not start:\n{site.log('redis')}")


def site_redis_url(test_url: str) -> str:
    """Without redis-server here: the test Redis, another database number."""
    parts = urlsplit(test_url)
    number = int(parts.path.strip("/") or 0)
    return parts._replace(path=f"/{(number + 8) % 16}").geturl()


def production_env(root: Path, database: str) -> dict[str, str]:
    """What an operator's environment file holds (see deploy/tsunagu.env.example)."""
    from django.conf import settings

    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "SITE_URL": "https://localhost",
            "DATABASE_URL": _database_url(database),
            "REDIS_URL": site_redis_url(settings.REDIS_URL or os.environ["REDIS_URL"]),
            "EMAIL_URL": f"file://{root / 'mail'}",
            "TSUNAGU_VAR_DIR": str(root / "var"),
            "MEDIA_ROOT": str(root / "media"),
            "LOG_LEVEL": "INFO",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


@pytest.fixture(scope="session")
def production_build(tmp_path_factory, django_db_setup, django_db_blocker):
    """The README's build lines run on a fresh database, then the demo data loaded."""
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.fail("the production smoke test runs on PostgreSQL (set DATABASE_URL)", pytrace=False)
    root = tmp_path_factory.mktemp("production")
    with django_db_blocker.unblock():
        database = _test_database()["NAME"] + "_site"
    recreate_database(database)
    site = Site(root=root, env=production_env(root, database), database=database)
    try:
        private = start_private_redis(site)
        if private:
            site.env["REDIS_URL"] = private
        for argv in readme_build_commands():
            assert argv[0] == ".venv/bin/python" and argv[1] == "manage.py", argv
            site.manage(*argv[2:])
        site.manage("load_demo", "--force")
        yield site
    finally:
        for name in reversed(list(site.procs)):
            site.stop(name)
        drop_database(database)


@pytest.fixture(scope="session")
def production_site(production_build):
    """gunicorn (with a test-only URLconf that adds pages which raise) and one Celery worker."""
    site = production_build
    env = {**site.env, "DJANGO_SETTINGS_MODULE": "tests.production.settings"}
    site.url = site.start_web(env=env)
    site.start_worker(env=env)
    return site


class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source: str, **kwargs) -> None:
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


class Browser:
    """requests, with cookies kept by hand: the site's cookies are Secure (HTTPS only), and
    gunicorn behind the proxy is plain HTTP with X-Forwarded-Proto: https."""

    def __init__(self, base: str, *, headers: dict | None = None, verify=True, source: str = "") -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.headers = headers if headers is not None else {"X-Forwarded-Proto": "https"}
        self.verify = verify
        self.origin = "https://" + urlsplit(base).netloc
        self.session = requests.Session()
        if source:  # connect from this local address (127.0.0.2, …): another client
            adapter = SourceAddressAdapter(source)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers.setdefault("Origin", self.origin)
            headers.setdefault("Referer", self.origin + path)
        self.session.cookies.clear()
        response = self.session.request(
            method,
            path if path.startswith("http") else self.base + path,
            headers=headers,
            allow_redirects=False,
            timeout=30,
            verify=self.verify,
            **kwargs,
        )
        for cookie in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        return self.request("POST", path, data=data, **kwargs)


def csrf_from(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
