"""The command line's text output and its error/note lines never pass a catalogue's control characters
to the terminal (a trial's file name with ``ESC[31m`` turned the index summary red, a name with a
newline split a list's line in two, and an error line echoed an unknown id's ``ESC[2J``); ``--json``
keeps every text as it is."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sane_desktop.cli import main, printable, terminal_text
from sane_desktop.models.checkpoint import demo_model_path
from tests.closet_world import make_closet

ESCAPE = "\x1b[31m"


def indexed(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[list[str], list[str], str]:
    """Index the folder ``root`` as "closet" with the bundled demo model: (the --index-home arguments,
    the catalogue's item ids as ``items --json`` lists them, the index command's text output)."""
    home = ["--index-home", str(tmp_path / "home")]
    assert main([*home, "index", str(root), "--name", "closet", "--model", str(demo_model_path()), "--workers", "0",
                 "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert main([*home, "items", "closet", "--json"]) == 0
    return home, [row["item_id"] for row in json.loads(capsys.readouterr().out)["items"]], out


def test_terminal_text_keeps_the_lines_and_escapes_the_rest() -> None:
    assert terminal_text(f"a{ESCAPE}b\nc\u200bd\te") == "a\\x1b[31mb\nc\\u200bd\\te"
    assert printable("one\nline") == "one\\nline"


def test_summaries_lists_and_errors_hold_no_control_character(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = make_closet(tmp_path / "closet")
    shutil.copy(root / "Tops" / "tops_0.jpg", root / "Tops" / f"X{ESCAPE}RED.jpg")  # a copy: listed as one
    shutil.copy(root / "Tops" / "tops_1.png", root / "Tops" / "new\nline.png")
    (root / "Tops" / f"bad{ESCAPE}zero.png").write_bytes(b"")  # skipped: listed with its reason
    home, ids, out = indexed(root, tmp_path, capsys)
    assert "\x1b" not in out and "\\x1b[31m" in out
    assert not any(line.startswith("line.png") for line in out.splitlines())  # the newline did not split a line
    escaped = next(item_id for item_id in ids if ESCAPE in item_id)  # --json keeps the id as it is
    shoe = next(item_id for item_id in ids if item_id.startswith("Shoes/"))
    assert main([*home, "query", "closet", "--outfit", f"{escaped},{shoe}", "-k", "3"]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and captured.out.startswith("Outfit: Tops/X\\x1b[31mRED")
    assert main([*home, "query", "closet", "--outfit", f"nope{ESCAPE}x"]) != 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and len(err.strip().splitlines()) == 1 and "nope\\x1b[31mx" in err
    # an id copied from the text output, its control characters written as escapes, finds its item
    # (a trial pasted `Tops/new\nline` from `items` and was told it is unknown)
    assert main([*home, "items", "closet"]) == 0
    listed = capsys.readouterr().out
    written = next(word for line in listed.splitlines() for word in line.split() if word.startswith("Tops/new"))
    assert written == "Tops/new\\nline" and "Tops/new\nline" in ids
    for copied in (written, printable(escaped)):
        assert main([*home, "query", "closet", "--outfit", f"{copied},{shoe}", "--json"]) == 0
        outfit = [row["item"] for row in json.loads(capsys.readouterr().out)["outfit"]]
        assert outfit[0] in ("Tops/new\nline", escaped) and outfit[0] != copied
    assert main([*home, "query", "closet", "--outfit", "Tops/new\\u0041line"]) != 0  # an escape of a printable: as written
    assert "unknown item ids: Tops/new\\u0041line" in capsys.readouterr().err


def test_an_id_as_an_ascii_only_terminal_printed_it_finds_its_item(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Trial DP, under ``PYTHONIOENCODING=ascii``: `query` printed ``Outfit: \\u978b\\u5b50/a,b,c comma``, and that
    id pasted back was unknown, split at its commas into three. Python writes every character such a terminal
    cannot show as its escape; read back, it finds the item, commas and all."""
    root = make_closet(tmp_path / "closet")
    (root / "鞋子").mkdir()
    shutil.copy(root / "Shoes" / "shoes_0.jpg", root / "鞋子" / "a,b,c comma.jpg")
    shutil.copy(root / "Shoes" / "shoes_1.png", root / "鞋子" / "Über.png")
    home, ids, _out = indexed(root, tmp_path, capsys)
    top = next(item_id for item_id in ids if item_id.startswith("Tops/"))
    for item_id in ("鞋子/a,b,c comma", "鞋子/Über"):
        printed = item_id.encode("ascii", "backslashreplace").decode("ascii")  # as the terminal shows it
        assert printed != item_id and printed.isascii()
        for outfit in (printed, f"{printed},{top}", f"{top},{printed}"):
            assert main([*home, "query", "closet", "--outfit", outfit, "--json"]) == 0, capsys.readouterr().err
            chosen = [row["item"] for row in json.loads(capsys.readouterr().out)["outfit"]]
            assert item_id in chosen and len(chosen) == outfit.count(",") - item_id.count(",") + 1, chosen


def test_an_id_that_names_two_items_as_typed_and_escaped_is_refused(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CG: "new⏎line.jpg" and a file literally named "new\\nline.jpg" both print as ``Tops/new\\nline``;
    that text took the literal one while it existed and the other otherwise, unsaid. It is refused now, naming
    both; each is still found by its own exact id."""
    root = make_closet(tmp_path / "closet")
    shutil.copy(root / "Tops" / "tops_0.jpg", root / "Tops" / "new\nline.jpg")
    shutil.copy(root / "Tops" / "tops_1.png", root / "Tops" / "new\\nline.png")
    home, ids, _out = indexed(root, tmp_path, capsys)
    assert {"Tops/new\nline", "Tops/new\\nline"} <= set(ids)
    for command in (["query", "closet", "--outfit", "Tops/new\\nline"],
                    ["explain", "closet", "--query", "Tops/new\\nline", "--candidate", "Shoes/shoes_0"]):
        assert main([*home, *command]) == 1
        err = capsys.readouterr().err.strip()
        assert err == ("error: the id 'Tops/new\\\\nline' names 2 items whose ids print alike: 'Tops/new\\\\nline' and "
                       "'Tops/new\\nline' (catalogue 'closet'); rename one of their photo files"), err
    assert main([*home, "query", "closet", "--outfit", "Tops/new\nline", "--json"]) == 0  # its exact id: that one
    assert [row["item"] for row in json.loads(capsys.readouterr().out)["outfit"]] == ["Tops/new\nline"]


def test_an_id_that_names_two_items_in_its_two_unicode_forms_is_refused(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CI: "café.jpg" composed (NFC) and decomposed (NFD, as a Mac names it) are two items that print
    alike; the id typed took whichever form the keyboard gave, unsaid. Refused now, each form spelt out."""
    import unicodedata

    root = make_closet(tmp_path / "closet")
    composed, decomposed = (unicodedata.normalize(form, "café") for form in ("NFC", "NFD"))
    shutil.copy(root / "Tops" / "tops_0.jpg", root / "Tops" / f"{composed}.jpg")
    shutil.copy(root / "Tops" / "tops_1.png", root / "Tops" / f"{decomposed}.png")
    home, ids, _out = indexed(root, tmp_path, capsys)
    assert {f"Tops/{composed}", f"Tops/{decomposed}"} <= set(ids)
    assert main([*home, "query", "closet", "--outfit", f"Tops/{composed}"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: the id 'Tops/{composed}' names 2 items whose ids print alike: ") and \
        "'Tops/caf\\xe9'" in err and "'Tops/cafe\\u0301'" in err and err.endswith("rename one of their photo files"), err


def test_an_id_that_ends_in_spaces_is_named_as_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder's file name may begin or end with spaces, and its item id keeps them: a trial's
    ``tops/  spaced  `` was indexed and listed, then refused by query and explain ("unknown item ids"),
    which stripped what they were given. An id is looked up as given, then without the spaces."""
    root = make_closet(tmp_path / "closet")
    shutil.copy(root / "Tops" / "tops_1.png", root / "Tops" / "  spaced  .png")
    home, ids, _out = indexed(root, tmp_path, capsys)
    spaced = next(item_id for item_id in ids if "spaced" in item_id)
    assert spaced != spaced.strip()
    shoe = next(item_id for item_id in ids if item_id.startswith("Shoes/"))
    assert main([*home, "query", "closet", "--outfit", f"{spaced},{shoe}", "--json"]) == 0
    assert [row["item"] for row in json.loads(capsys.readouterr().out)["outfit"]] == [spaced, shoe]
    assert main([*home, "query", "closet", "--similar", spaced, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outfit"][0]["item"] == spaced
    assert main([*home, "explain", "closet", "--query", shoe, "--candidate", spaced, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["candidate"] == spaced
    assert main([*home, "explain", "closet", "--candidate", spaced, "--outfit", f" {shoe} ", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outfit_reason"]["candidate"] == spaced
    # an id pasted with spaces around it is still found without them
    assert main([*home, "explain", "closet", "--query", f" {shoe}", "--candidate", spaced, "--json"]) == 0
    capsys.readouterr()


def test_a_name_a_mac_wrote_is_found_as_a_keyboard_types_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial T: a Mac names "falda café.jpg" with a decomposed "é" (NFD); the id typed on a keyboard
    (NFC) was "unknown", though it looks exactly like the one ``items`` lists. A folder "Faldas café "
    (NFD, a trailing space) kept both in its category. Ids are looked up in either Unicode form, and a
    category is named in one form, its spaces trimmed."""
    import unicodedata

    root = make_closet(tmp_path / "closet")
    folder = root / unicodedata.normalize("NFD", "Faldas café ")
    folder.mkdir()
    shutil.copy(root / "Tops" / "tops_1.png", folder / unicodedata.normalize("NFD", "falda café.png"))
    home, ids, _out = indexed(root, tmp_path, capsys)
    stored = next(item_id for item_id in ids if "falda" in item_id)
    typed = "Faldas café /falda café"  # as a keyboard writes it: composed
    assert stored != typed and unicodedata.normalize("NFC", stored) == typed
    shoe = next(item_id for item_id in ids if item_id.startswith("Shoes/"))
    assert main([*home, "query", "closet", "--outfit", f"{typed},{shoe}", "--json"]) == 0
    assert [row["item"] for row in json.loads(capsys.readouterr().out)["outfit"]] == [stored, shoe]
    assert main([*home, "items", "closet", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["items"]
    assert {row["category"] for row in rows if row["item_id"] == stored} == {"Faldas café"}
    # the category written otherwise (case, spaces, decomposed): the one category it is
    assert main([*home, "items", "closet", "--category", unicodedata.normalize("NFD", " faldas CAFÉ"), "--json"]) == 0
    assert [row["item_id"] for row in json.loads(capsys.readouterr().out)["items"]] == [stored]


def test_an_empty_list_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A trial's shoes were byte copies of the outfit's shoe: ``query`` printed a bare ``Shoes:``
    heading, which read as a broken search. An empty list says why it is empty."""
    root = make_closet(tmp_path / "closet")
    shoes = sorted((root / "Shoes").iterdir())
    for other in shoes[1:]:
        other.unlink()
        shutil.copy(shoes[0], other.with_suffix(shoes[0].suffix))
    home, ids, _out = indexed(root, tmp_path, capsys)
    shoe, top = shoes[0].relative_to(root).with_suffix("").as_posix(), next(i for i in ids if i.startswith("Tops/"))
    assert main([*home, "query", "closet", "--outfit", f"{shoe},{top}", "--category", "Shoes"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "Shoes:", "  (nothing to list: no indexed Shoes item besides the outfit's own items and copies of their photos)"]
    assert main([*home, "query", "closet", "--outfit", f"{shoe},{top}", "--category", " "]) != 0  # not "every category"
    assert "--category is only spaces: give one" in capsys.readouterr().err  # said as typed (it read "is empty")
    for option in ("--category", "--search"):  # items too: an empty value listed every item (a leftover of trial BO)
        for empty in ("", "  "):
            assert main([*home, "items", "closet", option, empty]) == 1
            err = capsys.readouterr().err
            said = "is empty" if empty == "" else "is only spaces"
            assert f"{option} {said}: give" in err and len(err.splitlines()) == 1, err


def test_an_interrupt_while_a_finished_command_prints_keeps_its_success(tmp_path: Path) -> None:
    """Trial D: ``index`` printed its whole summary and exited 130. A Ctrl+C that lands while a
    finished command prints is ignored: the summary is whole and the exit code 0 (a subprocess: an
    interrupt in pytest's own process would end the session)."""
    import os
    import signal
    import subprocess
    import sys

    own = signal.getsignal(signal.SIGINT)  # SIG_IGN when the tests run in a background job (nohup … &)

    def interruptible() -> None:  # the child hears Ctrl+C as a terminal's foreground job does, however pytest was started
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    source = make_closet(tmp_path / "closet")
    script = ("import os, signal, sys\n"
              "import sane_desktop.cli as cli\n"
              "real = cli.terminal_text\n"
              "def rendering(text):\n"
              "    os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C as the summary is written\n"
              "    return real(text)\n"
              "cli.terminal_text = rendering\n"
              f"sys.exit(cli.main(['--index-home', {str(tmp_path / 'home')!r}, 'import', {str(source)!r}]))\n")
    env = {**os.environ, "SANE_LOG_HOME": str(tmp_path / "logs")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env,
                          preexec_fn=interruptible)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "KeyboardInterrupt" not in done.stderr and "interrupted" not in done.stderr
    assert done.stdout.strip()
    assert signal.getsignal(signal.SIGINT) is own  # this process's own, untouched
    # the process's own command (no argv: the console script): an interrupt after the output, as the
    # process shuts down, leaves its success alone too (trial F: 130 and no word)
    script = ("import os, signal, sys, time\n"
              "import sane_desktop.cli as cli\n"
              f"sys.argv = ['sane-desktop', '--index-home', {str(tmp_path / 'home')!r}, 'import', {str(source)!r}]\n"
              "code = cli.main()\n"
              "os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C as the finished process exits\n"
              "time.sleep(0.3)\n"
              "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env,
                          preexec_fn=interruptible)
    assert done.returncode == 0 and "KeyboardInterrupt" not in done.stderr, done.stderr[-2000:]


def test_items_columns_line_up_under_wide_and_decomposed_names() -> None:
    """Trial T: ``items`` columns slid under CJK names, emoji and a Mac's decomposed "é" (each
    character counted as one column). Columns are counted as a terminal shows them."""
    import unicodedata

    from sane_desktop.cli import display_width
    from sane_desktop.cli.items_cmd import render

    ids = ["上衣/红色", "tops/🎉 party", unicodedata.normalize("NFD", "faldas/café"), "plain/id"]
    result = {"catalogue": "c", "category": None, "search": "", "total": 4,
              "items": [{"item_id": item_id, "category": "Tops", "title": "Title"} for item_id in ids]}
    lines = render(result).splitlines()
    starts = {display_width(line[: line.index("Title")]) for line in lines}
    assert len(starts) == 1, lines
    assert display_width("上衣") == 4 and display_width(unicodedata.normalize("NFD", "é")) == 1
    # explain's outfit shares right-align their items the same way (trial DP: a Chinese id stood out of its column)
    from sane_desktop.cli import right_aligned

    assert {display_width(right_aligned(item_id, 16)) for item_id in ids} == {16}


def test_explain_says_the_pair_when_its_maps_cannot_be_saved(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial CG: with the index and cache homes read-only, ``explain`` said only that the maps' folder could not
    be written, and no explanation, though nothing of its text needed writing. The text comes, with a note."""
    from sane_desktop import paths
    from sane_desktop.errors import InputError

    root = make_closet(tmp_path / "closet")
    home, _ids, _out = indexed(root, tmp_path, capsys)
    real = paths.check_writable_folder

    def read_only(folder: Path | str, what: str, *, make: bool = False) -> Path:
        if what == "the maps' folder":
            raise InputError(f"{what}: cannot write into {folder} (Read-only file system)")
        return real(folder, what, make=make)

    monkeypatch.setattr(paths, "check_writable_folder", read_only)
    pair = ["--query", "Tops/tops_0", "--candidate", "Shoes/shoes_0"]
    assert main([*home, "explain", "closet", *pair]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Tops/tops_0 ~ Shoes/shoes_0: similarity ")
    assert out[-1].startswith("note: no maps were saved: the maps' folder: cannot write into ") \
        and out[-1].endswith("(Read-only file system): give a folder with --save-maps DIR"), out
    assert main([*home, "explain", "closet", *pair, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["maps"] is None and "give a folder with --save-maps DIR" in said["maps_not_saved"]
    assert said["query"] == "Tops/tops_0" and isinstance(said["similarity"], float)


def test_a_catalogue_named_like_another_in_its_other_unicode_form_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial CI: "café" composed and decomposed were two catalogues listed as two identical lines, so a delete
    could take the other one. A new name (index, rename) that is an existing one in the other form is refused."""
    import unicodedata

    root = make_closet(tmp_path / "closet")
    composed, decomposed = (unicodedata.normalize(form, "café") for form in ("NFC", "NFD"))
    home = ["--index-home", str(tmp_path / "home")]
    options = ["--model", str(demo_model_path()), "--workers", "0", "--device", "cpu"]
    assert main([*home, "index", str(root), "--name", decomposed, *options]) == 0
    capsys.readouterr()
    assert main([*home, "index", str(root), "--name", composed, *options]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (r"error: a catalogue named 'cafe\u0301' is there already, its letters the same as 'caf\xe9''s in "
                   r"another Unicode form: the two would print alike; use 'cafe\u0301', or another name"), err
    assert main([*home, "index", str(root), "--name", decomposed, *options]) == 0  # the same one: indexed again
    assert main([*home, "catalogues", "rename", decomposed, composed]) == 0  # itself, respelt
    capsys.readouterr()
    assert main([*home, "catalogues", "--json"]) == 0
    assert [c["name"] for c in json.loads(capsys.readouterr().out)["catalogues"]] == [composed]


def test_a_catalogue_named_like_another_but_for_letter_case_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial DP: a catalogue renamed "DEMO" beside "demo" was taken. On macOS and Windows the two are one folder,
    so one's index would be written into the other's. A new name (index, rename) differing by case is refused;
    a catalogue renamed to its own name in other capitals is not."""
    root = make_closet(tmp_path / "closet")
    home = ["--index-home", str(tmp_path / "home")]
    options = ["--model", str(demo_model_path()), "--workers", "0", "--device", "cpu"]
    assert main([*home, "index", str(root), "--name", "shop", *options]) == 0
    assert main([*home, "index", str(root), "--name", "other", *options, "--replace"]) == 0
    capsys.readouterr()
    said = ("error: a catalogue named 'shop' is there already, the same name as 'SHOP' but for letter case: on macOS "
            "and Windows the two would be one folder; use 'shop', or another name")
    assert main([*home, "index", str(root), "--name", "SHOP", *options, "--replace"]) == 1
    assert capsys.readouterr().err.strip() == said
    assert main([*home, "catalogues", "rename", "other", "SHOP"]) == 1
    assert capsys.readouterr().err.strip() == said
    assert main([*home, "catalogues", "rename", "other", "Other"]) == 0  # itself, in capitals
    capsys.readouterr()
    assert main([*home, "catalogues", "--json"]) == 0
    assert sorted(c["name"] for c in json.loads(capsys.readouterr().out)["catalogues"]) == ["Other", "shop"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device every write to fails: disk full)")
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_output_to_a_full_disk_is_one_line_and_a_failure(json_flag: list[str], tmp_path: Path) -> None:
    """Trial CR: `evaluate --json > full/eval.json` printed a traceback (json.dump's OSError) and left the file
    cut short; `query > full` too. Now one line, exit 1 (what was written is not the whole answer)."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "sane_desktop", "demo", str(tmp_path / "demo"), "--items", "30",
                               *json_flag], stdout=full, stderr=subprocess.PIPE, text=True, timeout=300,
                              env={**os.environ, "SANE_LOG_HOME": str(tmp_path / "logs")})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: the work is done, but its output could not be written in full (the disk is full (No space left on "
        "device): free some space, then try again)"], done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device every write to fails: disk full)")
@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["catalogues", "--help"]])
def test_help_to_a_full_disk_is_one_line_and_a_failure(argv: list[str], tmp_path: Path) -> None:
    """`--help > /dev/full` exited 0, the help unwritten: argparse passes over its own write errors."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "sane_desktop", *argv], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120, env={**os.environ, "SANE_LOG_HOME": str(tmp_path / "logs")})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: sane-desktop") and "could not be written" in lines[0] \
        and "disk is full" in lines[0], done.stderr


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_to_a_reader_that_left_is_no_failure(argv: list[str], tmp_path: Path) -> None:
    """`--help | head` (the reader gone before the help is written) is no failure, as a command's output is not
    (a review: the full-disk fix said "Broken pipe", exit 1)."""
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "sane_desktop", *argv], stdout=write, stderr=subprocess.PIPE,
                              text=True, timeout=120, env={**os.environ, "SANE_LOG_HOME": str(tmp_path / "logs")})
    finally:
        os.close(write)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_query_titles_take_the_room_the_terminal_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial CN: `query` cut every title at 36 characters whatever the terminal's width."""
    from sane_desktop.cli.query_cmd import TITLE_MAX, TITLE_WIDTH, render

    title = "Oversized wool-blend double-breasted coat with a detachable hood and horn buttons"
    result = {"outfit": [{"item": "a", "category": "tops"}],
              "results": {"coats": [{"item_id": "c1", "score": 0.5, "title": title, "contributions": {}}]}}
    monkeypatch.setenv("COLUMNS", "200")
    wide = render(result)
    assert title in wide and len(title) <= TITLE_MAX
    monkeypatch.setenv("COLUMNS", "80")
    narrow = render(result)
    assert title not in narrow and title[: TITLE_WIDTH - 1] + "…" in narrow
    # short titles: the column no wider than they are (trial CT read 70 spaces after each at 200 columns)
    monkeypatch.setenv("COLUMNS", "200")
    result["results"]["coats"][0].update(title="Brown cropped jacket", contributions={"Top": 1.0})
    row = render(result).splitlines()[-1]
    assert "Brown cropped jacket  (most from Top)" in row, row


def test_the_category_map_an_index_suggests_reads_back_as_it_is_pasted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial DP pasted back the suggestions `index` printed: `'Hats, caps=hats'` was split at its comma,
    `T=shirts=tops` at its first "=", and a name with a zero-width joiner came back with the six characters
    "\\u200d" in it; all three were refused. A name NAME=TARGET cannot hold is suggested in JSON."""
    import shlex

    root = make_closet(tmp_path / "closet")
    names = {"Dresses": "Dresses, gowns", "Shoes": "Shoes=boots 👩🏽\u200d🦰"}
    for old, new in names.items():
        (root / old).rename(root / new)
    home = ["--index-home", str(tmp_path / "home")]
    options = ["--model", str(demo_model_path()), "--workers", "0", "--device", "cpu"]
    assert main([*home, "index", str(root), "--name", "closet", *options]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if ": try --category-map " in line]
    assert len(lines) == 2, lines
    for line in lines:
        value = shlex.split(line.split(": try --category-map ", 1)[1].rsplit(" (", 1)[0])
        assert len(value) == 1 and value[0].startswith("{"), value
        assert main([*home, "index", str(root), "--name", "closet", *options, "--category-map", value[0],
                     "--json"]) == 0, capsys.readouterr().err
        chosen = json.loads(capsys.readouterr().out)
        name = next(iter(json.loads(value[0])))
        assert name in names.values() and chosen["mapped_how"][name] == "user"
    # a name the inline form cannot hold, given in it: the error says how to give it
    assert main([*home, "index", str(root), "--name", "closet", *options, "--category-map",
                 "Dresses, gowns=general"]) == 1
    assert "is given as a JSON object: '{\"Hats, caps\": \"hats\"}'" in capsys.readouterr().err


def test_a_catalogue_is_found_by_its_name_as_typed_or_as_printed(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Trial DQ: a catalogue named on a Mac ("Café" decomposed) was "no catalogue named 'Café': did you mean
    'Café'?" when typed on a keyboard, and under an ASCII-only terminal `catalogues` printed "מלאי" as
    ``\\u05de\\u05dc\\u05d0\\u05d9``, which `catalogues delete` refused as an invalid name. Either finds it now."""
    import unicodedata

    root = make_closet(tmp_path / "closet")
    home = ["--index-home", str(tmp_path / "home")]
    options = ["--model", str(demo_model_path()), "--workers", "0", "--device", "cpu"]
    decomposed, hebrew = unicodedata.normalize("NFD", "Café"), "מלאי 2"
    assert main([*home, "index", str(root), "--name", decomposed, *options]) == 0
    assert main([*home, "index", str(root), "--name", hebrew, *options, "--replace"]) == 0
    capsys.readouterr()
    assert main([*home, "items", unicodedata.normalize("NFC", decomposed), "-n", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["catalogue"] == decomposed
    printed = hebrew.encode("ascii", "backslashreplace").decode()
    assert main([*home, "query", printed, "--outfit", "Tops/tops_0", "-k", "1", "--json"]) == 0
    capsys.readouterr()
    assert main([*home, "catalogues", "rename", printed, "stock"]) == 0
    assert main([*home, "catalogues", "delete", unicodedata.normalize("NFC", decomposed), "--yes"]) == 0
    capsys.readouterr()
    assert main([*home, "catalogues", "--json"]) == 0
    assert [c["name"] for c in json.loads(capsys.readouterr().out)["catalogues"]] == ["stock"]


def test_maps_of_ids_long_in_bytes_are_saved(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EO: two ids of 80 Japanese characters (240 bytes each) made a map's file name of over 255 bytes, though
    the name was cut to 149 characters: "File name too long", and the advice, another folder, could not help."""
    from PIL import Image

    long_ids = {"Tops": "長い名前のシャツ" * 10, "Shoes": "とても長い靴です" * 10}
    for category, colour in (("Tops", "red"), ("Shoes", "blue")):
        (tmp_path / "closet" / category).mkdir(parents=True)
        for stem in (long_ids[category], f"{category.lower()}_1"):
            Image.new("RGB", (48, 64), colour).save(tmp_path / "closet" / category / f"{stem}.jpg")
    home, _ids, _out = indexed(tmp_path / "closet", tmp_path, capsys)
    pair = ["--query", f"Tops/{long_ids['Tops']}", "--candidate", f"Shoes/{long_ids['Shoes']}"]
    assert main([*home, "explain", "closet", *pair, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["maps"] is not None, said.get("maps_not_saved")
    written = [Path(file) for file in said["maps"].values() if isinstance(file, str) and file.endswith(".npy")]
    assert written and all(file.is_file() and len(file.name.encode()) <= 200 for file in written), written
    assert all(file.name.startswith("Tops-長い名前のシャツ") for file in written), written
    assert main([*home, "explain", "closet", *pair, "--save-maps", str(tmp_path / "maps")]) == 0
    assert len(list((tmp_path / "maps").glob("*.png"))) >= 2


def test_the_index_summary_lists_categories_in_the_window_s_order(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Trial EO: the summary listed "BELTS, Bikini, JEANS, Jacken ü" (code points), the window and `items`
    "BELTS, Bikini, Jacken ü, JEANS" (letters, case aside)."""
    from PIL import Image

    for n, category in enumerate(("JEANS", "Jacken ü", "Bikini", "BELTS")):
        (tmp_path / "closet" / category).mkdir(parents=True)
        Image.new("RGB", (48, 64), (60 * n, 40, 200 - 40 * n)).save(tmp_path / "closet" / category / "a.jpg")
    _home, _ids, out = indexed(tmp_path / "closet", tmp_path, capsys)
    vectors = next(line for line in out.splitlines() if "(IDMap" in line or "(Flat" in line)
    assert [part.split(" ")[0] for part in vectors.strip().split(", ")] == ["BELTS", "Bikini", "Jacken", "JEANS"], out
    mapped = next(line for line in out.splitlines() if line.startswith("  categories: "))
    found = [mapped.index(name) for name in ("BELTS", "Bikini", "Jacken ü", "JEANS") if name in mapped]
    assert found == sorted(found), out
