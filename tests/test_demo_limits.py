"""Trial BO: ``demo --outfits 99999999999999999999`` planned outfits until it held 18.8 GB; ``--workers`` of
20 digits ended in "OverflowError", ``--items`` of 20 digits in "ValueError: Sample larger than population",
both leaving a half-written folder that the next run refused; ``--items 30 --outfits 1`` wrote 3 items
without a word; ``--items ''`` was an "invalid _positive value". Each is refused in one line before the
folder is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from sane_desktop.cli import main
from sane_desktop.demo import generate_demo
from sane_desktop.demo.limits import check_demo_size
from sane_desktop.errors import InputError


@pytest.mark.parametrize("argv, said", [
    (["--items", "99999999999999999999"], "out of range"),
    (["--items", "500000"], "30 to 200,000 items"),
    (["--items", "29"], "30 to 200,000 items"),
    (["--items", "30", "--outfits", "99999999999999999999"], "out of range"),
    (["--items", "30", "--outfits", "601"], "need 10 to 600 outfits"),
    (["--items", "30", "--outfits", "1"], "need 10 to 600 outfits"),
    (["--items", "30", "--workers", "99999999999999999999"], "out of range"),
    (["--items", "30", "--workers", "65"], "render processes are 1 to 64"),
    (["--items", ""], "'' is not a whole number"),
    (["--items", "1.5"], "'1.5' is not a whole number"),
])
def test_a_demo_size_that_cannot_be_made_is_refused_before_anything_is_written(
        argv: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    try:
        code = main(["demo", str(out), *argv])
    except SystemExit as exit_:  # argparse's refusal
        code = int(exit_.code or 0)
    err = capsys.readouterr().err.strip()
    assert code == 1 and said in err and len(err.splitlines()) == 1, err
    assert "_positive" not in err and "Error:" not in err
    assert not out.exists()


def test_the_smallest_outfit_count_still_draws_every_item_asked_for(tmp_path: Path) -> None:
    check_demo_size(30, 10, 1)
    with pytest.raises(InputError):
        check_demo_size(30, 9, 1)
    summary = generate_demo(tmp_path / "d", items=30, outfits=10, masks=False)
    assert summary.items == 30 and summary.outfits == 10


@pytest.mark.parametrize("argv, said", [
    (["index", "x", "--batch-size", "99999999999999999999"], "out of range: from 1 to 4,096"),
    (["index", "x", "--workers", "-1"], "out of range: from 0 to 64"),
    (["explain", "x", "--query", "a", "--candidate", "b", "--rise-masks", "99999999999999999999"],
     "out of range: from 1 to 100,000"),  # torch's "Overflow when unpacking long long" (trial BO)
    (["evaluate-explanations", "x", "--model", "m.pt", "--pairs", "0"], "out of range: from 1"),
    (["adapt", "x", "--model", "m.pt", "--out", "o.pt", "--batch-size", "1e9"], "'1e9' is not a whole number"),
    (["train", "x", "--out", "o.pt", "--epochs", "99999999999999999999"], "out of range: at most 1,000,000,000"),
    (["gui", "--demo-items", "99999999999999999999"], "out of range"),
])
def test_every_count_option_refuses_what_no_count_can_be(argv: list[str], said: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--index-home", str(tmp_path), *argv])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 1 and said in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("argv", [["evaluate", "x", "--model", ""], ["train", "x", "--out", "o.pt", "--weights", ""],
                                  ["import", ""], ["evaluate", " ", "--model", "m.pt"]])
def test_an_empty_path_is_refused_not_read_as_the_current_folder(argv: list[str], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BO: ``evaluate --model ''`` answered ". is a folder, not a checkpoint"; ``import ''`` spoke of the
    index home."""
    assert main(["--index-home", str(tmp_path), *argv]) == 1
    err = capsys.readouterr().err.strip()
    said = "is only spaces" if " " in argv else "is empty"
    assert f"{said}: give a path" in err and len(err.splitlines()) == 1, err


def test_a_device_this_computer_lacks_is_refused_before_any_work(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BO: ``index --device cuda`` on a computer without a GPU ended in torch's "RuntimeError: Found no
    NVIDIA driver…"."""
    import torch

    for device, said in (("gpu", "is not a torch device"), ("cuda:7" if torch.cuda.is_available() else "cuda", "CUDA GPU")):
        with pytest.raises(SystemExit) as exit_:
            main(["--index-home", str(tmp_path), "index", str(tmp_path), "--device", device])
        err = capsys.readouterr().err.strip()
        assert exit_.value.code == 1 and said in err and len(err.splitlines()) == 1, err


def test_an_empty_database_url_is_refused_not_read_as_none_given(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Trial BO: ``--db ''`` was taken as no --db: the index home's own database was read instead."""
    assert main(["--index-home", str(tmp_path), "items", "shop", "--db", ""]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: --db is empty: give a database URL, or leave the option out", err


@pytest.mark.parametrize("command, given", [("query", "a1,,b2"), ("explain", "a1,b2,"), ("query", ",a1"),
                                            ("explain", "a1, ,b2")])
def test_an_empty_id_between_an_outfits_commas_is_refused(command: str, given: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`--outfit "$A,$B,$C"` with B unset answered for the outfit of A and C, unsaid (the last stop's
    leftover; trial BV's kind, within one value)."""
    assert main(["--index-home", str(tmp_path), command, "shop", "--outfit", given]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f'error: --outfit "{given}" has an empty id between its commas: give item ids (ID,ID…)', err


@pytest.mark.parametrize("argv, option", [
    (["query", "shop", "--outfit", "a1", "--outfit", ""], "--outfit"),  # `--outfit "$B"` with B unset (trial BV)
    (["explain", "shop", "--query", " ", "--candidate", "a1"], "--query"),
    (["explain", "shop", "--pairs", "p.json", "--candidate", ""], "--candidate"),  # ran the pairs, no "not both"
    (["evaluate-explanations", "shop", "--model", "demo.pt", "--weak-truth", ""], "--weak-truth"),
])
def test_an_empty_value_of_an_id_or_kinds_option_is_refused(argv: list[str], option: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--index-home", str(tmp_path), *argv]) == 1
    err = capsys.readouterr().err.strip()
    said = "is only spaces" if " " in argv else "is empty"
    assert err.startswith(f"error: {option} {said}: give ") and len(err.splitlines()) == 1, err
    # an id the command needs cannot be left out (trial CB read "or leave the option out" of --candidate)
    assert ("leave the option out" in err) == (option == "--weak-truth"), err


@pytest.mark.parametrize("made", [False, True])
def test_a_demo_that_cannot_finish_leaves_its_folder_as_it_found_it(made: bool, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial DI: a demo that stopped on a full disk left images and its marker behind, and the same command
    run again was refused ("is not empty ... --force"). A run that cannot finish in a folder it found empty
    (or made) takes what it wrote away; the next run needs nothing more."""
    import errno

    import sane_desktop.demo as demo

    out = tmp_path / "demo"
    if made:
        out.mkdir()

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(demo, "write_splits", full_disk)
    with pytest.raises(OSError, match="No space"):
        generate_demo(out, items=30, outfits=10, masks=True)
    assert out.is_dir() == made and (not made or not any(out.iterdir()))
    monkeypatch.undo()
    assert generate_demo(out, items=30, outfits=10, masks=False).items == 30  # no --force needed


def test_a_demo_that_cannot_finish_over_an_earlier_one_leaves_other_files_alone(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import sane_desktop.demo as demo

    out = tmp_path / "demo"
    generate_demo(out, items=30, outfits=10, masks=False)
    (out / "notes.txt").write_text("mine")
    monkeypatch.setattr(demo, "write_splits", lambda *_a, **_k: (_ for _ in ()).throw(OSError("full")))
    with pytest.raises(OSError):
        generate_demo(out, items=30, outfits=10, masks=False, overwrite=True)
    assert (out / "notes.txt").read_text() == "mine"  # a folder it did not find empty: nothing else taken
