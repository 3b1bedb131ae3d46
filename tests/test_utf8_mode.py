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


@pytest.fixture(scope="module")
def cafe_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue "hats" imported from a folder whose name and photos' names are UTF-8 and not ASCII."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("terminal")
    for category, colour in (("tops", "red"), ("shoes", "blue")):
        (folder / "帽子カタログ" / category).mkdir(parents=True)
        for n in range(2):
            Image.new("RGB", (40, 60), colour).save(folder / "帽子カタログ" / category / f"Café {n}.jpg")
    assert main(["--index-home", str(folder / "home"), "import", str(folder / "帽子カタログ"), "--name", "hats",
                 "--json"]) == 0
    return folder


def _run_bytes(env: dict[str, str], cwd: Path, *argv: str | bytes) -> subprocess.CompletedProcess[bytes]:
    env = {key: value for key, value in env.items() if not key.startswith("PYTHON")}
    return subprocess.run([sys.executable, "-m", "sane_desktop", "--index-home", str(cwd / "home"), *argv],
                          env={**env, "PYTHONPATH": str(ROOT)}, cwd=cwd, capture_output=True, timeout=300)


def test_a_latin1_terminal_reads_and_gets_its_own_encoding(cafe_home: Path, tmp_path: Path) -> None:
    """Trial EO, under de_DE.ISO-8859-1: the restart into UTF-8 mode wrote UTF-8 to the Latin-1 terminal ("CafÃ©")
    and refused "Café" typed there ("holds bytes that are not UTF-8 text")."""
    from tests.locale_helpers import compiled_locale

    latin1 = compiled_locale(tmp_path, "de_DE", "ISO-8859-1")
    found = _run_bytes(latin1, cafe_home, "items", "hats", "--search", "Café".encode("latin-1"))
    assert found.returncode == 0, found.stderr.decode("latin-1")
    assert b"tops/Caf\xe9 0" in found.stdout and "é".encode() not in found.stdout, found.stdout
    # what Latin-1 cannot show is escaped, not a traceback: the folder's Japanese name
    listed = _run_bytes(latin1, cafe_home, "catalogues")
    assert listed.returncode == 0 and b"Traceback" not in listed.stderr, listed.stderr
    assert b"\\u5e3d\\u5b50" in listed.stdout, listed.stdout
    # a folder's name typed there (trial EQ): found when so named in UTF-8, "not found" when nothing is, never
    # "rename the folder" of a folder that does not exist
    (cafe_home / "café_dir" / "tops").mkdir(parents=True)
    (cafe_home / "café_dir" / "tops" / "a.jpg").write_bytes((cafe_home / "帽子カタログ" / "tops" / "Café 0.jpg").read_bytes())
    typed = _run_bytes(latin1, cafe_home, "import", "café_dir".encode("latin-1"), "--name", "typed", "--json")
    assert typed.returncode == 0, typed.stderr.decode("latin-1")
    nowhere = _run_bytes(latin1, cafe_home, "import", "café_nowhere".encode("latin-1"), "--name", "none")
    assert nowhere.returncode != 0 and b"not found" in nowhere.stderr and b"rename" not in nowhere.stderr, \
        nowhere.stderr


def test_a_euc_jp_locale_given_utf8_names_restarts_without_a_traceback(cafe_home: Path, tmp_path: Path) -> None:
    """Trial EO, under ja_JP.EUC-JP with a folder named in UTF-8 (any modern disk): the restart re-encoded the
    arguments with a codec that could not encode back what the C library had decoded, and died in a traceback."""
    from tests.locale_helpers import compiled_locale

    euc = compiled_locale(tmp_path, "ja_JP", "EUC-JP")
    done = _run_bytes(euc, cafe_home, "import", "帽子カタログ".encode(), "--name", "帽子".encode(), "--json")
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr.decode("euc-jp", "replace")
    listed = _run_bytes(euc, cafe_home, "items", "帽子".encode(), "--category", "tops")
    assert listed.returncode == 0, listed.stderr.decode("euc-jp", "replace")
    assert "tops/Café 0".encode("euc-jp") in listed.stdout, listed.stdout
