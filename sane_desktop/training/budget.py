"""How the wall-clock time budget ended a training run, read from its history (no torch here: the
window reads it too).

The loop (:mod:`sane_desktop.training.loop`) checks the budget after every step, so the last epoch
can stop part-way: its history entry then records ``cut_short`` = [steps run, steps per epoch].
Trial Y followed "--epochs 1 --time-budget 0 repeats this run's length" after a run cut inside
epoch 1 and got another model (valid FITB 0.476, not 0.333): a cut epoch is repeated by no epoch
count. With a seed, whole epochs are repeated exactly on a CPU (the learning rate decays per epoch,
whatever the count asked for), so the model kept is repeatable when it is a whole epoch's and
every phase of the run ran the same epochs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CUT_SHORT = "cut_short"  # a history entry's [steps run, steps per epoch] when the budget stopped it part-way


@dataclass(frozen=True)
class BudgetStop:
    """The time budget ended a run before the epochs asked for, or cut its last epoch short.

    ``ran``: epochs each phase ran, in order ("" for a one-phase run; "compatibility" then
    "attributes" for the head trainer's two); ``cut``: (phase, epoch, steps run, steps per epoch)
    of an epoch cut short, None when it stopped between epochs; ``repeat``: the ``--epochs`` that
    repeats the model kept with no budget, None when no epoch count does."""

    epochs: int
    ran: dict[str, int]
    cut: tuple[str, int, int, int] | None
    repeat: int | None


def budget_stop(history: Sequence[Mapping[str, Any]], epochs: int, best_epoch: int) -> BudgetStop | None:
    """How the budget ended the run of ``history`` (``epochs`` asked for, ``best_epoch`` kept: of
    the first phase when there are two), or None when it did not."""
    phases: dict[str, list[Mapping[str, Any]]] = {}
    for entry in history:
        phases.setdefault(str(entry.get("phase", "")), []).append(entry)
    ran = {phase: len(entries) for phase, entries in phases.items()}
    cut = next(((phase, int(entry["epoch"]), int(entry[CUT_SHORT][0]), int(entry[CUT_SHORT][1]))
                for phase, entries in phases.items() for entry in entries if entry.get(CUT_SHORT)), None)
    if cut is None and all(count >= epochs for count in ran.values()):
        return None
    repeat: int | None = None
    if cut is None and len(set(ran.values())) == 1:  # every phase stopped after the same whole epoch
        repeat = next(iter(ran.values()))
    elif cut is not None and len(phases) == 1 and 0 < best_epoch < cut[1]:  # the kept epoch ran whole
        repeat = best_epoch
    return BudgetStop(epochs, ran, cut, repeat)
