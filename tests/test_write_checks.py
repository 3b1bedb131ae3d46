"""A file a command writes at its end is checked before its work (trial V: ``train --out`` on a
read-only folder trained, then failed naming a hidden temporary file; ``evaluate-explanations
--save-selection`` and ``explain --save-maps`` into a file failed after their evaluation with the raw
"File exists"). Each says in one line what is wrong with the place, before any work."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

import pytest

from sane_desktop import paths
from sane_desktop.cli import main
from sane_desktop.errors import InputError
from sane_desktop.models.checkpoint import check_model_output


def test_a_place_is_checked_for_a_file_a_missing_folder_and_writing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file")
    with pytest.raises(InputError, match=rf"^--out x: {blocker} is a file, not a folder$"):
        paths.check_writable_folder(blocker / "sub", "--out x")
    with pytest.raises(InputError, match=r"its folder .*nope does not exist$"):
        paths.check_writable_folder(tmp_path / "nope", "--out x")
    made = paths.check_writable_folder(tmp_path / "new" / "maps", "--save-maps", make=True)
    assert made.is_dir() and not any(made.iterdir())  # the probe leaves nothing behind

    def read_only(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    with pytest.raises(InputError, match=rf"^--out x: cannot write into {tmp_path} \(Read-only file system\)$"):
        paths.check_writable_folder(tmp_path, "--out x")
    # train --out and adapt --out: the model's place, before any image is read
    with pytest.raises(InputError, match=r"cannot write into .*Read-only file system"):
        check_model_output(tmp_path / "model.pt")
    monkeypatch.undo()
    with pytest.raises(InputError, match=rf"--out {blocker / 'x.pt'}: {blocker} is a file, not a folder"):
        check_model_output(blocker / "x.pt")  # trial V read "its folder … does not exist"


def test_save_selection_into_a_file_is_refused_before_the_evaluation(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.service import evaluation

    def never(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the evaluation ran before its output's place was checked")

    monkeypatch.setattr(evaluation, "evaluate_explanation_methods", never)
    blocker = tmp_path / "v_file"
    blocker.write_text("a file")
    model = tmp_path / "m.pt"
    model.write_bytes(b"")
    code = main(["evaluate-explanations", str(tmp_path), "--model", str(model), "--method", "fast",
                 "--save-selection", str(blocker / "s.json")])
    assert code != 0
    assert capsys.readouterr().err.strip() == f"error: --save-selection {blocker / 's.json'}: {blocker} is a file, not a folder"


def test_a_file_name_too_long_is_said_as_such(tmp_path: Path) -> None:
    """Trial EQ typed 90 Japanese characters (270 bytes) as an export's name into a writable folder and read
    "the folder cannot be written (is the disk full?)"."""
    from sane_desktop import paths

    long = tmp_path / ("長い名前のコーデ" * 12 + ".png")
    assert paths.why_not_written(long) == (f"its name is {len(long.name.encode())} bytes long, over the 255 a file "
                                           "name may take: shorten it")
    assert paths.why_not_written(tmp_path / "short.png") == "the folder cannot be written (is the disk full?)"
