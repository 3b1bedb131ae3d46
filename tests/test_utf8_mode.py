"""Trial BN: under a locale whose encoding is not UTF-8 (Python's C-locale coercion and UTF-8 mode
turned off, as under an ASCII or ISO-8859 locale), one catalogue with a non-ASCII name made every
``catalogues``/``query`` fail ("surrogates not allowed") and the window open none; a terminal that
cannot show a character ended the output in a ``UnicodeEncodeError`` traceback. The process now
restarts itself in UTF-8 mode, and writes what the terminal cannot show as escapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sane_desktop.cli import main
from tests.closet_world import make_closet

NAME = "Frühjahr–Sommer 2027 ✨"
ROOT = Path(__file__).resolve().parents[1]


def _run(home: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("LC_", "PYTHON"))}
    return subprocess.run([sys.executable, "-m", "sane_desktop", "--index-home", str(home), *argv],
                          env={**base, "PYTHONPATH": str(ROOT), **env}, cwd=ROOT, capture_output=True,
                          timeout=300, encoding="utf-8", errors="strict")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("utf8")
    root = make_closet(folder / "closet")
    for name in (NAME, "plain"):
        assert main(["--index-home", str(folder / "home"), "import", str(root), "--name", name, "--json"]) == 0
    return folder / "home"


def test_a_non_utf8_locale_still_lists_and_opens_a_non_ascii_catalogue(home: Path) -> None:
    ascii_locale = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    listed = _run(home, ascii_locale, "catalogues", "--json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(entry["name"] for entry in json.loads(listed.stdout)["catalogues"]) == sorted([NAME, "plain"])
    items = _run(home, ascii_locale, "items", NAME, "-n", "1", "--json")
    assert items.returncode == 0 and "Traceback" not in items.stderr, items.stderr


def test_a_terminal_that_cannot_show_a_character_gets_its_escape(home: Path) -> None:
    shown = _run(home, {"PYTHONIOENCODING": "ascii"}, "catalogues")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert "Fr\\xfchjahr" in shown.stdout and "plain" in shown.stdout, shown.stdout
