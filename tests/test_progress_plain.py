"""Progress when stderr is no terminal (trial BZ: `index` of 9,222 photos with stderr going to a log said
nothing for 8 minutes, its bar being for terminals only): a phase that runs long gets plain `progress:`
lines, few of them; short work writes none, so captured stderr still holds just notes and errors."""

from __future__ import annotations

import pytest

from sane_desktop.progress import PLAIN_EVERY_S, PLAIN_FIRST_S, TqdmProgress


def test_long_work_gets_a_few_plain_lines_and_short_work_none(capsys: pytest.CaptureFixture[str]) -> None:
    now = [0.0]
    progress = TqdmProgress(clock=lambda: now[0])  # pytest's captured stderr is no terminal
    assert progress.plain and not progress.enabled
    for done in range(0, 101, 10):  # a phase over in a second: nothing said
        now[0] += 0.1
        progress(done, 100, "embedding")
    assert capsys.readouterr().err == ""
    said: list[str] = []
    for done in range(0, 9001):  # 9,000 photos at 20 per second: 450 s
        now[0] += 0.05
        progress(done, 9000, "embedding")
        said += capsys.readouterr().err.splitlines()
    assert said[0].startswith("progress: embedding: 20") and said[-1] == "progress: embedding: 9,000/9,000 (100 %)"
    assert said[0] in ("progress: embedding: 200/9,000 (2 %)", "progress: embedding: 201/9,000 (2 %)")  # at 10 s
    # one line once the phase passed PLAIN_FIRST_S, then at most one per PLAIN_EVERY_S, and the end
    assert len(said) <= 2 + (450 - PLAIN_FIRST_S) / PLAIN_EVERY_S, said
    assert len(said) >= (450 - PLAIN_FIRST_S) / PLAIN_EVERY_S - 1, said
    progress(3, 5, "building the index")  # a new phase starts its own clock
    assert capsys.readouterr().err == ""


def test_json_output_or_a_disabled_bar_writes_no_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    now = [0.0]
    progress = TqdmProgress(enabled=False, clock=lambda: now[0])
    for done in range(100):
        now[0] += 10
        progress(done, 100, "embedding")
    assert capsys.readouterr().err == ""
