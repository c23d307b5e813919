"""Known vulnerabilities in the pinned dependencies (pip-audit) and high-severity findings in
our own code (bandit). `check --deploy` has its own test in tests/config."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
APPS = ("accounts", "events", "surveys", "notifications", "reports", "config")
# Only these mean "the vulnerability service could not be reached"; anything else (and every
# finding) fails the test.
NETWORK_ERROR = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|Max retries exceeded|NameResolutionError|"
    r"Temporary failure in name resolution|Name or service not known|Network is unreachable|"
    r"Connection refused|timed out",
)


class ServiceUnreachable(Exception):
    pass


def _audit(service: str) -> dict:
    completed = subprocess.run(
        [
            str(BIN / "pip-audit"),
            "--requirement",
            str(ROOT / "requirements.lock"),
            "--no-deps",  # requirements.lock pins the whole tree: no resolver, no throw-away venv
            "--disable-pip",
            "--vulnerability-service",
            service,
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--timeout",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    try:
        return json.loads(completed.stdout)
    except json.JSONDecodeError:
        network = NETWORK_ERROR.search(completed.stderr)
        if network:
            line = next(line for line in reversed(completed.stderr.splitlines()) if network.group(0) in line)
            raise ServiceUnreachable(f"{service}: {line.strip()}") from None
        pytest.fail(
            f"pip-audit ({service}) failed (exit {completed.returncode}):\n{completed.stderr}", pytrace=False
        )


def test_pinned_dependencies_have_no_known_vulnerability():
    unreachable = []
    for service in ("pypi", "osv"):
        try:
            report = _audit(service)
        except ServiceUnreachable as error:
            unreachable.append(str(error))
            continue
        found = [
            f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {', '.join(vuln.get('fix_versions') or ['—'])})"
            for dep in report["dependencies"]
            for vuln in dep.get("vulns", [])
        ]
        assert not found, f"Known vulnerabilities in requirements.lock ({service}):\n" + "\n".join(found)
        unchecked = {
            dep["name"]: dep["skip_reason"] for dep in report["dependencies"] if dep.get("skip_reason")
        }
        if "django" in unchecked and len(unchecked) == len(report["dependencies"]):
            # Not even Django is "found": the service's API is not served from this machine
            # (the package index here is a mirror without PyPI's JSON API).
            unreachable.append(f"{service}: every package, e.g. {unchecked['django']}")
            continue
        assert not unchecked, f"pip-audit ({service}) could not check:\n" + "\n".join(
            f"{name}: {reason}" for name, reason in unchecked.items()
        )
        return
    pytest.skip("pip-audit could not reach a vulnerability service: " + " | ".join(unreachable))


def test_bandit_finds_no_high_severity_issue():
    targets = [name for name in APPS if (ROOT / name).is_dir()]
    completed = subprocess.run(
        [str(BIN / "bandit"), "-r", *targets, "-lll", "--format", "json", "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        check=False,
    )
    report = json.loads(completed.stdout)
    assert not report["errors"], report["errors"]
    findings = [
        f"{r['filename']}:{r['line_number']}: {r['test_id']} {r['issue_text']}" for r in report["results"]
    ]
    assert not findings, "bandit, high severity:\n" + "\n".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 1000, "bandit read our code"
