"""The layers point one way, no import cycles, no function-local import without a reason.

config/core (and audit) → accounts → events → attendance → surveys → groupwork → notifications →
reports → records → demo. A lower layer announces what happened through signals or
events/domain.py; it never imports a higher one. See CONTRIBUTING.md.
"""

from __future__ import annotations

import pytest

from tests.architecture import imports as graph

# Known violations being removed (issue 16). This list only shrinks: the test fails on
# any violation not listed, and on a listed one that no longer exists.
ALLOWED_UPWARD: set[str] = set()
ALLOWED_CYCLES = 0
ALLOWED_UNEXPLAINED_LOCAL = 0


@pytest.fixture(scope="module")
def found():
    return graph.imports()


def test_no_import_points_up_a_layer(found):
    seen = {f"{i.source} -> {i.target}" for i in graph.upward(found)}
    new = sorted(seen - ALLOWED_UPWARD)
    assert not new, "imports that point up a layer (announce with a signal instead):\n" + "\n".join(new)
    gone = sorted(ALLOWED_UPWARD - seen)
    assert not gone, "fixed; remove from ALLOWED_UPWARD:\n" + "\n".join(gone)


def test_no_import_cycles(found):
    cycles = graph.cycles(found)
    assert len(cycles) <= ALLOWED_CYCLES, "import cycles:\n" + "\n".join(" ".join(c) for c in cycles)


def test_function_local_imports_say_why(found):
    # A function-local import of our own code needs a comment on its line (or the line
    # above) saying why it cannot be at the top: it must not hide a cycle.
    unexplained = graph.unexplained_local(found)
    assert len(unexplained) <= ALLOWED_UNEXPLAINED_LOCAL, "\n".join(
        f"{i.source}:{i.line} -> {i.target}" for i in unexplained
    )


def test_the_contract_catches_an_upward_import(tmp_path, monkeypatch):
    # The checker itself: accounts importing notifications is reported.
    package = tmp_path / "accounts"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bad.py").write_text("from notifications import services\n")
    (tmp_path / "notifications").mkdir()
    (tmp_path / "notifications" / "__init__.py").write_text("")
    (tmp_path / "notifications" / "services.py").write_text("def f():\n    from accounts import bad\n")
    monkeypatch.setattr(graph, "ROOT", tmp_path)
    found = graph.imports()
    assert [f"{i.source} -> {i.target}" for i in graph.upward(found)] == [
        "accounts.bad -> notifications.services"
    ]
    assert graph.cycles(found) == [["accounts.bad", "notifications.services"]]
    assert [i.source for i in graph.unexplained_local(found)] == ["notifications.services"]
