"""Trial EO: under a Turkish (or Azerbaijani) ``LC_CTYPE`` the window never opened: PySide6 finds a keyword
property's setter with the C library's ``toupper``, which leaves "i" lower-case there, so ``QTimer(self,
interval=…)`` raised "'interval' is not a Qt property or a signal" (``sane_desktop/gui/timers.py``)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.locale_helpers import compiled_locale

REPO = Path(__file__).resolve().parents[1]


def _qt_calls_with_i_keywords(source: str) -> list[str]:
    """``QName(…, iword=…)`` calls in ``source``: a Qt class given a keyword that starts with "i"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name.startswith("Q"):
            found += [f"line {node.lineno}: {name}({k.arg}=…)" for k in node.keywords if k.arg and k.arg[0] in "iI"]
    return found


def test_no_qt_object_gets_a_keyword_property_starting_with_i() -> None:
    assert _qt_calls_with_i_keywords("t = QTimer(self, singleShot=True, interval=5)") == ["line 1: QTimer(interval=…)"]
    assert _qt_calls_with_i_keywords("QLabel(indent=3)\nQLabel(wordWrap=True)") == ["line 1: QLabel(indent=…)"]
    found = {str(path.relative_to(REPO)): calls for path in sorted((REPO / "sane_desktop").rglob("*.py"))
             if (calls := _qt_calls_with_i_keywords(path.read_text(encoding="utf-8")))}
    assert found == {}, f"use the setter (gui/timers.py's timer for a QTimer): {found}"


@pytest.fixture(scope="module")
def turkish_locale(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return compiled_locale(tmp_path_factory.mktemp("locales"), "tr_TR", "UTF-8")


def test_pyside_still_needs_the_setters_under_turkish_ctype(turkish_locale: dict[str, str]) -> None:
    """What the rule above guards against, as PySide6 does it (if a later PySide6 mends it, this says so)."""
    code = "from PySide6.QtCore import QTimer\ntry:\n QTimer(None, interval=5)\nexcept AttributeError as e:\n print(e)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=turkish_locale,
                          timeout=120)
    assert "'interval' is not a Qt property" in done.stdout, done.stdout + done.stderr


@pytest.mark.slow
def test_the_window_opens_under_a_turkish_ctype(turkish_locale: dict[str, str], tmp_path: Path) -> None:
    """The screenshot walk (the window, its dialogs and the explanation) under LANG=tr_TR.UTF-8."""
    shots = tmp_path / "shots"
    env = dict(turkish_locale, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "sane_desktop", "--index-home", str(tmp_path / "index"), "gui",
                           "--screenshot", str(shots), "--demo-items", "40"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(list(shots.glob("*.png"))) >= 5, sorted(p.name for p in shots.iterdir())
