"""deploy/nginx/tsunagu.conf in front of gunicorn, as the README's production section runs it.

Debian's nginx (scripts/system_deps.sh) serves the site file from deploy/ on loopback with
free ports and a self-signed certificate made here; only the lines marked "# test:" are
rewritten (ports, certificate, static root, logs). Checked: HTTPS pages, the app seeing
https and the real client address (TRUSTED_PROXY_COUNT=1, even when the client forges
X-Forwarded-For), per-client rate limits, cache headers on hashed static files, the
request-size limit matching the upload limit, and HTTP redirected to HTTPS.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.production.conftest import ROOT, Browser, free_port

# django_db: the session sets up the test database, whose name the site database borrows.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SITE_FILE = ROOT / "deploy" / "nginx" / "tsunagu.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def site_config(values: dict[str, str]) -> str:
    """The shipped site file with each "# test: <name>" line replaced."""
    lines, seen = [], set()
    for line in SITE_FILE.read_text().splitlines():
        marker = re.search(r"#\s*test:\s*(\w+)", line)
        if marker:
            name = marker.group(1)
            assert name in values, f"unknown test marker {name!r} in {SITE_FILE}"
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(indent + values[name])
            seen.add(name)
        else:
            lines.append(line)
    assert seen == set(values), f"markers missing from {SITE_FILE}: {set(values) - seen}"
    return "\n".join(lines) + "\n"


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def proxied(production_build, tmp_path_factory):
    if not os.path.exists(NGINX):
        pytest.fail("nginx is not installed: run `make install` (scripts/system_deps.sh)", pytrace=False)
    site = production_build
    folder = tmp_path_factory.mktemp("nginx")
    env = {
        **site.env,
        "TRUSTED_PROXY_COUNT": "1",
        "DJANGO_SETTINGS_MODULE": "tests.production.settings",
        # A window wide enough for a loaded CI machine (a failed login hashes a password).
        "RATE_LIMIT_LOGIN_FAILED": "4/10m/ip,5/5m/key",
    }
    upstream = site.start_web("web-nginx", env=env)
    cert, key = _certificate(folder)
    http_port, https_port = free_port(), free_port()
    (folder / "tsunagu.conf").write_text(
        site_config(
            {
                "upstream": f"server {upstream.removeprefix('http://')};",
                "http": f"listen 127.0.0.1:{http_port};",
                "https": f"listen 127.0.0.1:{https_port} ssl http2;",
                "server_name": "server_name localhost;",
                "certificate": f"ssl_certificate {cert};",
                "certificate_key": f"ssl_certificate_key {key};",
                "static_root": f"alias {site.root / 'var' / 'static'}/;",
                "access_log": f"access_log {folder / 'access.log'};",
                "error_log": f"error_log {folder / 'error.log'};",
            }
        )
    )
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    # As Debian's /etc/nginx/nginx.conf does, with everything under the test's folder.
    (folder / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder / "body"};
    proxy_temp_path {folder / "proxy"};
    fastcgi_temp_path {folder / "fastcgi"};
    uwsgi_temp_path {folder / "uwsgi"};
    scgi_temp_path {folder / "scgi"};
    include {folder / "tsunagu.conf"};
}}
"""
    )
    test = subprocess.run(
        [NGINX, "-t", "-c", str(folder / "nginx.conf"), "-p", str(folder), "-e", str(folder / "error.log")],
        capture_output=True,
        text=True,
    )
    assert test.returncode == 0, test.stderr
    site.start(
        "nginx", [NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder), "-e", str(folder / "error.log")]
    )
    base = f"https://localhost:{https_port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(base + "/healthz", verify=str(cert), timeout=2)
            break
        except requests.RequestException:
            if time.monotonic() > deadline or site.procs["nginx"].poll() is not None:
                raise AssertionError((folder / "error.log").read_text()) from None
            time.sleep(0.2)
    try:
        yield {"base": base, "http": f"http://127.0.0.1:{http_port}", "cert": str(cert), "site": site}
    finally:
        site.stop("nginx")
        site.stop("web-nginx")


def _browser(proxied, source: str = "") -> Browser:
    # Through nginx: no forwarded headers from the test, nginx sets them.
    return Browser(proxied["base"], headers={}, verify=proxied["cert"], source=source)


def test_https_pages_and_what_the_app_sees(proxied):
    browser = _browser(proxied, source="127.0.0.2")
    home = browser.get("/")
    assert home.status_code == 200  # no redirect loop: the app knows the request is https
    assert home.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    seen = browser.get("/__test__/whoami", headers={"X-Forwarded-For": "203.0.113.9"}).json()
    assert seen["scheme"] == "https" and seen["is_secure"] is True
    assert seen["host"].startswith("localhost")
    # nginx appended the real peer; the address the client wrote is not believed.
    assert seen["client_ip"] == "127.0.0.2"
    assert re.fullmatch(r"[0-9a-f]{32}", seen["request_id"])  # nginx's $request_id


def test_hashed_static_files_are_cached_for_a_year(proxied):
    browser = _browser(proxied)
    html = browser.get("/").text
    stylesheet = re.search(r'href="(/static/css/tsunagu\.[0-9a-f]{12}\.css)"', html).group(1)
    css = browser.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert css.headers.get("Content-Encoding") == "gzip"  # the .gz collectstatic wrote
    assert ".site-header" in css.text
    plain = browser.get("/static/css/tsunagu.css")
    assert plain.status_code == 200
    assert "immutable" not in plain.headers.get("Cache-Control", "")
    assert browser.get("/media/anything.pdf").status_code == 404


def test_plain_http_redirects_to_https(proxied):
    response = requests.get(
        proxied["http"] + "/events/", headers={"Host": "localhost"}, allow_redirects=False
    )
    assert response.status_code == 301
    assert response.headers["Location"] == "https://localhost/events/"


def test_request_size_limit_is_the_upload_limit(proxied):
    from django.conf import settings

    limit = int(re.search(r"client_max_body_size (\d+)m;", SITE_FILE.read_text()).group(1))
    assert limit * 2**20 == settings.REQUEST_MAX_BYTES
    browser = _browser(proxied)
    browser.get("/accounts/login/")
    too_big = browser.post(
        "/accounts/login/", {"login": "x@example.jp", "password": "y" * (limit + 1) * 2**20}
    )
    assert too_big.status_code == 413


def test_rate_limits_count_each_client_not_the_proxy(proxied):
    """One office's failed logins must not lock out every other office."""
    noisy = _browser(proxied, source="127.0.0.3")
    noisy.get("/accounts/login/")
    limited = False
    for attempt in range(6):  # RATE_LIMIT_LOGIN_FAILED: 4 per 10 minutes per address
        page = noisy.post("/accounts/login/", {"login": f"nobody{attempt}@example.jp", "password": "wrong"})
        limited = limited or "ログイン失敗が連続しています" in page.text
    assert limited, "the noisy client was never limited"

    other = _browser(proxied, source="127.0.0.4")
    other.get("/accounts/login/")
    response = other.post(
        "/accounts/login/", {"login": "participant@example.jp", "password": "tsunagu-demo-2022"}
    )
    assert response.status_code == 302, response.text[:1000]
