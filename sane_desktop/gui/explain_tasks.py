"""The explanation tasks: run the service's explanations on the worker thread and colour their maps
there (numpy), so that the GUI thread only wraps finished RGBA arrays in a QPixmap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sane_desktop.errors import Cancelled
from sane_desktop.gui.tasks import TaskFn, TaskState
from sane_desktop.service import CatalogueService, ExplanationUpdate, TileExplanation, colourise

TILE_CHUNK = 8  # tiles per batched pass: the first chips land fast, cancellation is checked between passes


@dataclass(frozen=True)
class ColouredUpdate:
    """One explanation step with its overlays already coloured (RGBA uint8) in ``colour_map``;
    ``general``: a "visually similar" result, explained beside the item it looks like (no outfit)."""

    update: ExplanationUpdate
    candidate_overlay: np.ndarray
    outfit_overlay: np.ndarray
    colour_map: str
    general: bool = False


@dataclass(frozen=True)
class ColouredTile:
    """A result tile's fast explanation with its overlay coloured (RGBA uint8)."""

    tile: TileExplanation
    overlay: np.ndarray


def explain(candidate_pk: int, outfit_pk: int, colour_map: str, n_masks: int | None = None,
            general: bool = False) -> TaskFn[CatalogueService, ColouredUpdate, ExplanationUpdate | None]:
    """The click-through explanation: each step (fast map, then refinements) as a partial result;
    the last step is the result. ``general``: a "visually similar" result (``SearchResult.general``)."""

    def run(service: CatalogueService, state: TaskState[ColouredUpdate]) -> ExplanationUpdate | None:
        last: ExplanationUpdate | None = None
        for update in service.explain(candidate_pk, outfit_pk, refine=True, n_masks=n_masks,
                                      should_stop=state.should_stop, general=general):
            if state.should_stop():
                raise Cancelled("a newer explanation was asked for")
            last = update
            state.partial(ColouredUpdate(update, colourise(update.candidate_map, colour_map),
                                         colourise(update.outfit_map, colour_map), colour_map, general))
        return last

    return run


def explain_tiles(pairs: list[tuple[int, int]], colour_map: str,
                  general: bool = False) -> TaskFn[CatalogueService, list[ColouredTile], int]:
    """Fast explanations of the visible tiles, batched, one partial result per batch; the result is
    how many were explained. ``general``: tiles of "visually similar" results."""

    def run(service: CatalogueService, state: TaskState[list[ColouredTile]]) -> int:
        done = 0
        for start in range(0, len(pairs), TILE_CHUNK):
            if state.should_stop():
                raise Cancelled("the visible tiles changed")
            tiles = service.explain_tiles(pairs[start:start + TILE_CHUNK], should_stop=state.should_stop,
                                          general=general)
            if state.should_stop():
                raise Cancelled("the visible tiles changed")
            state.partial([ColouredTile(tile, colourise(tile.candidate_map, colour_map)) for tile in tiles])
            done += len(tiles)
        return done

    return run
