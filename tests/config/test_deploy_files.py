"""The deployment recipe stays in step with the settings."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _variables_read_by_settings() -> set[str]:
    text = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', text))


def test_every_setting_is_in_the_example_environment_file():
    example = (ROOT / "deploy" / "tsunagu.env.example").read_text()
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    missing = _variables_read_by_settings() - documented - {"TSUNAGU_VAR_DIR"}
    assert not missing, f"document these in deploy/tsunagu.env.example: {sorted(missing)}"


def test_systemd_units_read_one_environment_file():
    units = sorted((ROOT / "deploy" / "systemd").glob("tsunagu-*.service"))
    assert [u.name for u in units] == [
        "tsunagu-beat.service",
        "tsunagu-web.service",
        "tsunagu-worker.service",
    ]
    for unit in units:
        assert "EnvironmentFile=/etc/tsunagu/tsunagu.env" in unit.read_text(), unit.name
