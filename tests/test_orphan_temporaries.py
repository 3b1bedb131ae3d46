"""A writer killed between writing its temporary and renaming it onto the file leaves a hidden
``.<name>.<pid>-<token>.tmp`` beside it; the next write of that file removes such litter when its
writer no longer runs (trial BD: a killed ``train`` left an 821 kB temporary beside the model, which
nothing removed). A live writer's temporary, a young one, and unrelated hidden files are kept."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sane_desktop.paths import ORPHAN_AGE_S, LEGACY_ORPHAN_AGE_S, remove_orphan_temporaries, temporary_sibling


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _ended_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_dead_writers_old_temporary_is_removed_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "m1.pt"
    target.write_bytes(b"model")
    token = "2f114e15d9d74e91bbf0d9fedb375aea"
    dead = tmp_path / f".m1.pt.{_ended_pid()}-{token}.tmp"
    young = tmp_path / f".m1.pt.{_ended_pid()}-{token[::-1]}.tmp"
    live = tmp_path / f".m1.pt.{os.getppid()}-{'a' * 32}.tmp"  # this test's parent runs
    legacy_old, legacy_young = tmp_path / f".m1.pt.{'b' * 32}.tmp", tmp_path / f".m1.pt.{'c' * 32}.tmp"
    exported = tmp_path / f".m1.pt.{_ended_pid()}-{'d' * 32}.tmp.png"  # write_atomically keeps the suffix
    # a model staged beside its file, saved through a temporary of its own (trial BF found this one left)
    ended = _ended_pid()
    nested = tmp_path / f"..m1.pt.{ended}-{'f' * 32}.tmp.{ended}-{'0' * 32}.tmp"
    nested_live = tmp_path / f"..m1.pt.{os.getppid()}-{'1' * 32}.tmp.{os.getppid()}-{'2' * 32}.tmp"
    others = [tmp_path / ".m1.pt.notes", tmp_path / f".m2.pt.{_ended_pid()}-{'e' * 32}.tmp"]
    for path in (dead, young, live, legacy_old, legacy_young, exported, nested, nested_live, *others):
        path.write_bytes(b"partial")
    for path in (dead, live, exported, nested, nested_live, *others):
        _age(path, ORPHAN_AGE_S + 5)
    _age(legacy_old, LEGACY_ORPHAN_AGE_S + 5)
    _age(legacy_young, ORPHAN_AGE_S + 5)

    assert sorted(remove_orphan_temporaries(target)) == sorted([dead, legacy_old, exported, nested])
    assert all(path.exists() for path in (young, live, legacy_young, nested_live, *others))
    assert target.read_bytes() == b"model"
    fresh = temporary_sibling(target)  # the way a save asks for its name: it cleans too, and names its writer
    assert fresh.name.startswith(f".m1.pt.{os.getpid()}-") and fresh.name.endswith(".tmp") and not fresh.exists()
