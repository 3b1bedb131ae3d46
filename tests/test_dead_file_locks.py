"""Trial EP: a Train killed by SIGTERM or kill -9 left ``.model.pt.writer/`` (its lock and a note naming the dead
process) beside the catalogue's model, and later index runs kept it for good. The next run that takes the
catalogue's writer lock removes such a folder; one a live run holds stays."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from pathlib import Path

from sane_desktop.service.locking import HOLDER_NAME, catalogue_lock, file_lock_folder
from tests.lock_helpers import held_in_another_thread

ROOT = Path(__file__).resolve().parents[1]


def test_a_killed_trainer_s_lock_folder_goes_at_the_next_writer_run(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    model, other = folder / "model.pt", folder / "other.pt"
    code = ("import sys, time\nfrom pathlib import Path\n"
            "from sane_desktop.service.locking import catalogue_lock, file_lock_folder\n"
            "with catalogue_lock(file_lock_folder(Path(sys.argv[1])), 'train → model.pt'):\n"
            "    print('held', flush=True)\n    time.sleep(600)\n")
    trainer = subprocess.Popen([sys.executable, "-c", code, str(model)], stdout=subprocess.PIPE, text=True,
                               cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert trainer.stdout is not None and trainer.stdout.readline().strip() == "held"
    finally:
        trainer.send_signal(signal.SIGKILL)
        trainer.wait(timeout=60)
    dead = file_lock_folder(model)
    assert (dead / HOLDER_NAME).is_file()  # what the kill left
    with held_in_another_thread(file_lock_folder(other), "train → other.pt"):  # a live one
        with catalogue_lock(folder, "index"):
            pass
        assert not dead.exists()
        assert (file_lock_folder(other) / HOLDER_NAME).is_file()



def test_the_next_writer_of_a_file_removes_its_dead_lock_folder(tmp_path: Path) -> None:
    """Trial EQ: ``train --out models/big.pt`` stopped by a kill left ``models/.big.pt.writer/``; the next train to
    that path removed its note and kept the folder for good."""
    out = tmp_path / "models" / "big.pt"
    out.parent.mkdir()
    dead = file_lock_folder(out)
    dead.mkdir()
    (dead / HOLDER_NAME).write_text('{"pid": 999999999, "command": "train", "since": 0}')
    (dead / ".sane-writer.lock").write_text("")
    with catalogue_lock(dead, f"train → {out}"):
        pass
    assert not dead.exists(), list(dead.iterdir())


def test_a_command_stopped_by_sigterm_ends_as_an_interrupt(tmp_path: Path) -> None:
    """Trial EQ: a ``kill`` of ``train --out`` ended it with no word and its lock folder left. SIGTERM ends a
    command as Ctrl+C does: its clean-up runs, "error: interrupted" is said, exit code 130."""
    from PIL import Image

    for category, colour in (("tops", "red"), ("shoes", "blue")):
        (tmp_path / "shop" / category).mkdir(parents=True)
        for n in range(40):
            Image.new("RGB", (64, 80), (n * 5, 30, 200 if colour == "blue" else 20)).save(
                tmp_path / "shop" / category / f"{colour}{n}.jpg")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen([sys.executable, "-m", "sane_desktop", "--index-home", str(tmp_path / "home"), "index",
                            str(tmp_path / "shop"), "--name", "shop"], env=env, cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = tmp_path / "home" / "shop"
    try:
        import time

        deadline = time.monotonic() + 120
        while not (folder / HOLDER_NAME).is_file():  # the index holds its catalogue's writer lock
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()
            time.sleep(0.05)
        run.send_signal(signal.SIGTERM)
        _out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, err
    assert "error: interrupted" in err and "Traceback" not in err, err
    assert not (folder / HOLDER_NAME).exists()  # its clean-up ran
