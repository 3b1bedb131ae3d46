"""A failure's way out is said by each front end in its own words (``errors.WayOut``): the command
line names its options, the window its menus. A trial's window read "give this folder another name
(--name), or replace that catalogue (--replace)", "--model chooses another" after every Re-sync and
"index … again with --replace" for a damaged database: options a window does not have.

The last test reads the package's string literals (outside the command line's own modules and
docstrings) and fails on a command-line option in any message that is not a way out or a message
only the command line can give: a new message worded with an option must say its way out as a WayOut."""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.errors import (
    DamagedStoreError, InputError, ModelError, NotFound, PhotoChanged, StaleIndexError, WayOut,
)
from sane_desktop.gui.tasks import Failure, TaskRunner
from sane_desktop.gui.text import WINDOW_WAYS, note_words, window_message
from sane_desktop.models.checkpoint import demo_model_path
from sane_desktop.service import CatalogueService, building
from tests.closet_world import make_closet
from tests.package_strings import message_literals

OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


@pytest.mark.parametrize("way_out", list(WayOut))
def test_each_way_out_is_said_by_the_command_line_and_by_the_window(way_out: WayOut) -> None:
    error = InputError("catalogue 'shop' was built from /a, not /b", way_out=way_out)
    assert str(error) == f"catalogue 'shop' was built from /a, not /b: {way_out.value}"  # the command line's
    assert error.problem == "catalogue 'shop' was built from /a, not /b"
    window = window_message(error)
    assert window == f"catalogue 'shop' was built from /a, not /b: {WINDOW_WAYS[way_out]}"
    assert not OPTION.search(window) and "sane-desktop" not in window, window


def test_an_error_keeps_its_way_out_across_processes() -> None:
    for error in (InputError("p", way_out=WayOut.OTHER_NAME_OR_REPLACE), NotFound("p", way_out=WayOut.OTHER_INDEX_HOME),
                  DamagedStoreError("p", way_out=WayOut.REPLACE_DAMAGED), ModelError("p", way_out=WayOut.MODEL_GONE),
                  StaleIndexError("p", reindex_helps=False, way_out=WayOut.REPLACE_OR_KEEP_BOTH),
                  PhotoChanged("p", path="/x.jpg", way_out=WayOut.REBUILD)):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
        assert (copy.problem, copy.way_out) == ("p", error.way_out)
        assert window_message(copy) == f"p: {WINDOW_WAYS[error.way_out]}"  # type: ignore[index]
    plain = pickle.loads(pickle.dumps(InputError("no way out")))
    assert plain.way_out is None and window_message(plain) == "no way out"


def test_the_window_says_a_refused_index_run_in_its_own_words(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    # a name that holds another folder, and a re-index with the catalogue's own model (its note)
    root, other, home = make_closet(tmp_path / "closet"), make_closet(tmp_path / "other"), tmp_path / "home"
    own = tmp_path / "closet.pt"
    shutil.copyfile(demo_model_path(), own)
    assert main(["--index-home", str(home), "index", str(root), "--name", "closet", "--model", str(own),
                 "--workers", "0", "--device", "cpu"]) == 0
    # no model given (the command line's plain re-index): the catalogue's own, said in a note
    report = building.index_folder(root, "closet", None, db_url=f"sqlite:///{home / 'closet' / 'catalogue.db'}",
                                   index_dir=home / "closet", device="cpu")
    assert report.indexed.note_way_out is WayOut.OTHER_MODEL
    assert report.indexed.as_dict()["note"].endswith("; --model chooses another")  # `index --json`'s words
    words = note_words(report.indexed.note, report.indexed.note_way_out)
    assert words.startswith("re-indexed with the model this catalogue was built with")
    assert words.endswith("File → Train model on this catalogue… trains another") and not OPTION.search(words)

    runner: TaskRunner[CatalogueService] = TaskRunner(CatalogueService(home, device="cpu"))
    try:
        failures: list[Failure] = []
        task = runner.start(lambda owner, state: owner.index_folder(other, "closet"), "Indexing catalogue…")
        task.on_failure(failures.append)
        qtbot.waitUntil(lambda: task.ended, timeout=60000)
    finally:
        runner.shutdown()
    [failure] = failures
    assert isinstance(failure.error, InputError) and failure.error.way_out is WayOut.OTHER_NAME_OR_REPLACE
    assert "--replace" in str(failure.error)  # the command line still names its options
    assert failure.message == (f"catalogue 'closet' was built from {root.resolve()}, not {other.resolve()}: index "
                               "this folder under another name, or replace that catalogue (File → Index catalogue "
                               "folder… asks before it replaces one)")


# messages only the command line can give: options the window never passes (its own index home,
# model, output paths, presets and index folders), the demo command's folder, sharded and shared
# (PostgreSQL) indexing, and the migration tool's own arguments
COMMAND_LINE_ONLY = {
    "demo/__init__.py": {"--force"},
    "explain/attribute_evaluation.py": {"--selection"},
    "models/checkpoint.py": {"--out"},
    "models/weights.py": {"--preset", "--weights"},
    "paths.py": {"--index-home"},
    "retrieval/indexing/pipeline.py": {"--rebuild"},
    # a catalogue opened from a database without the index folder it was indexed into: the window opens a
    # catalogue with the folder its own index home gives it, and never indexes into another
    "retrieval/index_state.py": {"--index-dir"},  # `index --json`'s rebuild_reason, which no window shows
    "service/app.py": {"--db"},
    "service/building.py": {"--memory-budget", "--index-dir", "--preset", "--out", "--db", "--shard"},
    "service/search.py": {"--vector-backend"},
    "service/shared.py": {"--db"},
    "store/migrations/__main__.py": {"--url", "--message", "--empty"},
    "store/work_queue.py": {"--shard", "--db"},
    "training/attribute_trainer.py": {"--attribute-trunk"},
    "training/presets.py": {"--epochs", "--time-budget", "--image-size", "--width", "--lr", "--palette-steps"},
}


def test_no_message_names_a_command_line_option_but_a_way_out() -> None:
    left = []
    for relative, line, text in message_literals():
        if relative.as_posix() == "errors.py":  # the way outs' command-line words
            continue
        if options := set(OPTION.findall(text)) - COMMAND_LINE_ONLY.get(relative.as_posix(), set()):
            left.append(f"{relative}:{line}: {sorted(options)} in {text.strip()[:90]!r}")
    assert not left, "\n".join(left)
