"""Debian's Chromium under Playwright, axe-core and the Nu HTML Checker: the tools of tests/e2e.

`make browser-deps` (scripts/e2e_deps.sh) installs what these need. A missing piece is a
failure with the command that fixes it, never a silent skip: the checks exist to hold
every later change to them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.urls import NoReverseMatch, reverse

ROOT = Path(settings.BASE_DIR)
CHROMIUM = "/usr/bin/chromium"
# Debian's build; Playwright's own browser download is never used (no `playwright install`).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


def missing_tools() -> list[str]:
    problems = []
    if not Path(CHROMIUM).exists():
        problems.append(f"{CHROMIUM} (Debian package chromium)")
    if not AXE_JS.exists():
        problems.append(str(AXE_JS.relative_to(ROOT)))
    if not VNU_JAR.exists():
        problems.append(str(VNU_JAR.relative_to(ROOT)))
    if shutil.which("java") is None:
        problems.append("java (Debian package default-jre-headless)")
    return problems


def screenshot_dir() -> Path:
    path = Path(settings.VAR_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def url_or_none(name: str, *args, **kwargs) -> str | None:
    """The path of a named URL, or None while the view that serves it does not exist yet."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


# --- axe-core --------------------------------------------------------------------------------


def run_axe(page) -> list[dict]:
    """Violations of WCAG 2.0/2.1 A and AA on the page as it is now, serious or critical only."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                          summary: n.failureSummary}))}));
        }""",
        AXE_TAGS,
    )
    return [v for v in result if v["impact"] in BLOCKING_IMPACTS]


def format_axe(page_name: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{page_name}: [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html']}")
            if node["summary"]:
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


# --- Nu HTML Checker ---------------------------------------------------------------------------


@dataclass
class HtmlError:
    page: str
    line: int | None
    message: str
    extract: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.message}\n    {self.extract.strip()}"


def validate_html(documents: dict[str, str], folder: Path) -> list[HtmlError]:
    """Errors of the Nu HTML Checker for each document ({name: html}), in one JVM start."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for number, (name, html) in enumerate(documents.items()):
        path = folder / f"{number:02d}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path.resolve())] = name
    completed = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            *map(str, sorted(folder.glob("*.html"))),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    # vnu writes its JSON report to stderr; exit status 1 means "errors found".
    report = json.loads(completed.stderr or completed.stdout or '{"messages": []}')
    errors = []
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        errors.append(
            HtmlError(
                page=files.get(unquote(urlsplit(message.get("url", "")).path), message.get("url", "?")),
                line=message.get("lastLine"),
                message=message.get("message", ""),
                extract=message.get("extract", ""),
            )
        )
    return errors
