"""The explanation tasks: run the service's explanations on the worker thread and colour their maps
there (numpy), so that the GUI thread only wraps finished RGBA arrays in a QPixmap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sane_desktop.errors import Cancelled, StaleIndexError
from sane_desktop.gui.tasks import TaskFn, TaskState
from sane_desktop.service import ExplanationUpdate, TileExplanation

if TYPE_CHECKING:  # a value the worker sends; naming it loads nothing on the GUI thread
    import numpy as np  # the arrays are made and coloured on the worker (colourise, imported there)

    from sane_desktop.service import OutfitExplanation
    # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService

# why an explanation was not started: the catalogue moved on under the results on screen (a re-index
# from elsewhere); the window searches again rather than explain a new photo under an old tile
RESULTS_OUTDATED = "the catalogue changed since these results were found (re-indexed from elsewhere)"


class ResultsOutdated(StaleIndexError):
    """The results on screen were found in an index or catalogue that has moved on since: the
    window searches again (it tells this failure by its type)."""

    def __init__(self, message: str = RESULTS_OUTDATED, *, reindex_helps: bool = False) -> None:
        super().__init__(message, reindex_helps=reindex_helps)


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


@dataclass(frozen=True)
class OutfitReasonStep:
    """The outfit's reason for a result (issue 17), with each outfit item's thumbnail: the (S, S, 3)
    uint8 crop the model sees, in the order of ``reason.shares``."""

    reason: OutfitExplanation
    thumbnails: tuple[np.ndarray, ...]


ExplainStep = ColouredUpdate | OutfitReasonStep


def explain(candidate_pk: int, outfit_pk: int, colour_map: str, n_masks: int | None = None,
            general: bool = False, outfit: Sequence[int] = (),
            revision: int | None = None,
            index_stamp: tuple[int, int, int] | None = None) -> TaskFn[CatalogueService, ExplainStep, ExplanationUpdate | None]:
    """The click-through explanation: with an ``outfit`` of two or more items besides the candidate,
    first the outfit's reason (:class:`OutfitReasonStep`: the score the search ranks by, split over
    the outfit items); then the pair view of (candidate, ``outfit_pk``), each step (fast map, then
    refinements) as a partial result; the last step is the result. ``general``: a "visually
    similar" result (``SearchResult.general``; it has no outfit). ``revision``: the catalogue's
    import revision the results on screen were found at; when it moved on, or the index was
    rebuilt with another model, :class:`ResultsOutdated` instead. ``index_stamp``:
    the index they were found in (:meth:`CatalogueService.index_stamp`); an index rebuilt since, even
    with only another category mapping (a type space becomes the general one), is outdated too."""
    members = [pk for pk in dict.fromkeys(outfit) if pk != candidate_pk]

    def run(service: CatalogueService, state: TaskState[ExplainStep]) -> ExplanationUpdate | None:
        from sane_desktop.service import colourise  # numpy: on the worker (see the imports)

        reopened = service.follow_index()
        items = service.current().items
        if reopened or (revision is not None and (items.refresh() or items.record.revision != revision)) \
                or (index_stamp is not None and service.index_stamp() != index_stamp):
            raise ResultsOutdated()

        if len(members) >= 2 and not general:  # one item: its pair view is the whole reason
            reason = service.explain_outfit(candidate_pk, members, should_stop=state.should_stop)
            if reason is None or state.should_stop():
                raise Cancelled("a newer explanation was asked for")
            state.partial(OutfitReasonStep(reason, tuple(service.crops([s.item for s in reason.shares]))))
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


def explain_tiles(pairs: list[tuple[int, int]], colour_map: str, general: bool = False,
                  index_stamp: tuple[int, int, int] | None = None) -> TaskFn[CatalogueService, list[ColouredTile], int]:
    """Fast explanations of the visible tiles, batched, one partial result per batch; the result is
    how many were explained. ``general``: tiles of "visually similar" results. ``index_stamp``: the
    index the results were found in; rebuilt since, :class:`ResultsOutdated`."""

    def run(service: CatalogueService, state: TaskState[list[ColouredTile]]) -> int:
        from sane_desktop.service import colourise  # numpy: on the worker (see the imports)

        if service.follow_index() or (index_stamp is not None and service.index_stamp() != index_stamp):
            raise ResultsOutdated()
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
