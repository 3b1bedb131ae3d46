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

