"""The main window: catalogue browser (left), outfit + results (centre), explanation (right dock).

It holds no model and does no heavy work: each use case starts a task on the worker thread, on a
channel of its own (search, explain, tiles, …), and handles the answer in a typed method. A newer task
on a channel disconnects the older one, so whatever a handler receives is current."""

from __future__ import annotations

import html
import logging
import os
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qtawesome as qta
from PySide6.QtCore import QEvent, QFileSystemWatcher, QItemSelection, QItemSelectionModel, QModelIndex, QObject, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction, QActionGroup, QCloseEvent, QContextMenuEvent, QKeyEvent, QKeySequence, QMouseEvent, QResizeEvent, QShortcut,
    QGuiApplication, QShowEvent, QStandardItem, QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QComboBox, QDockWidget, QFileDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QListView,
    QMainWindow, QMenu, QMenuBar, QMessageBox, QProgressBar, QPushButton, QScrollArea, QSplitter, QStyle, QToolBar, QToolButton, QVBoxLayout, QWidget,
)

from sane_desktop.errors import (
    CatalogueRemade, IndexBeingWritten, NotIndexed, PhotoChanged, PhotoGone, StaleIndexError,
)
from sane_desktop.gui import explain_tasks
from sane_desktop.gui.about import open_log_folder, show_about
from sane_desktop.gui.cache_dialog import CacheDialog
from sane_desktop.gui.adapt_dialog import AdaptDialog
from sane_desktop.gui.catalogue_manager import CatalogueManager
from sane_desktop.gui.category_dialog import CategoryDialog
from sane_desktop.gui.delegates import TILE_SIDES, ItemTileDelegate, mean_bound, tile_size_slider
from sane_desktop.gui.detail_view import DetailKeys, DetailView
from sane_desktop.gui.filters_panel import CATEGORY_GROUP, PANEL_HINT, FiltersPanel, catalogue_sort_combo
from sane_desktop.gui.explain_tasks import ColouredTile, ColouredUpdate, OutfitReasonStep
from sane_desktop.gui.explanation_view import EXPORT_TEXT, ExplanationView, refinement_percent, rgba_image
from sane_desktop.gui.index_dialog import IndexDialog
from sane_desktop.gui.models import ItemListModel, Role
from sane_desktop.gui.outfit_panel import UNDO_OFFER_MS, OutfitPanel
from sane_desktop.gui.results_view import (
    EMPTY_RESULTS_WORDS, LIKENESS_SORT_LABEL, KeepCurrentInView, KeyboardFocusSelects, ResultsView,
)
from sane_desktop.gui.outfit_memory import (
    Entry, forget, remember, remember_filters, remember_min_match, remember_target, remembered, remembered_filters,
    remembered_min_match, remembered_saved, remembered_target, still_held,
)
from sane_desktop.gui.saved_outfits import SavedOutfitsController, no_longer_in_catalogue, quoted
from sane_desktop.gui.screen_fit import FRAME_ALLOWANCE, fit_window, fitted_size, screen_of
from sane_desktop.gui.settings import Settings
from sane_desktop.gui.shared_catalogue_dialog import SharedCatalogueDialog
from sane_desktop.gui.tasks import Channel, Failure, Task, TaskRunner
from sane_desktop.gui.timers import timer
from sane_desktop.gui.wheel_guard import guard_wheel
from sane_desktop.gui.user_notes import UserNotes
from sane_desktop.gui.start_folder import start_folder
from sane_desktop.gui.text import (
    INDEX_FOLDER, ElidedComboBox, ElidedLabel, LeftToRightStatusBar, as_sentence, escape, isolated, left_to_right,
    message_box, note_words, photos_of, plain_label, set_plain, set_rich, window_message, window_words,
)
from sane_desktop.gui.theme import apply_theme, themed_icon
from sane_desktop.gui.shortcuts_dialog import ShortcutsDialog
from sane_desktop.gui.thumbnails import ThumbnailLoader
from sane_desktop.gui.train_dialog import TrainDialog
from sane_desktop.paths import DEMO_CATALOGUE, DEMO_ITEMS
from sane_desktop.service import (
    CatalogueInfo, CategoryGuess, ExplanationUpdate, ItemInfo, SearchResult, UnreadableCatalogue,
)
from sane_desktop.service.filters import ItemFilter, filtered_items
from sane_desktop.service.match_score import match_percent, share_points, signed_points
from sane_desktop.service.titles import (
    UnsearchedItems, category_noun, counted, short_title, tied_scores_words, unsearched_words,
)
from sane_desktop.service.values import IndexReport, LoadedOutfit, OpenedCatalogue, best_compared

SEARCH_DEBOUNCE_MS = 250
WRITER_POLL_MS = 2000  # how often a search refused during another run's index asks whether that run ended
INDEX_SETTLE_MS = 1500  # the index folder still this long after a change: then it is looked at
NEWS_JOINED_MS = 5000  # news lines said this close together (one refresh's) stay side by side in the status bar
RESTORING_RESULTS = "Bringing back the outfit you were building last time…"
EMPTY_OUTFIT_WORDS = "The outfit is empty: add items to it, then click a result to see why it matches."
QUIT_WATCH_MS = 300  # how often an open quit question looks whether the work it warns of has ended
# what quitting does to each kind of long work (MainWindow.long_work), as the cancel words say it
QUIT_EFFECT = {
    "indexing a catalogue folder": "Quitting now stops it; the photos read so far are kept, and indexing the "
                                   "folder again goes on from there.",
    "re-indexing the catalogue": "Quitting now stops it; the photos read so far are kept, and re-indexing again "
                                 "goes on from there (a catalogue whose folder changed cannot be searched until then).",
    "re-syncing a catalogue with its folder": "Quitting now stops it; the photos read so far are kept, and a re-sync "
                                              "goes on from there (until then the catalogue cannot be searched when "
                                              "its folder changed).",
    "changing a catalogue's model": "Quitting now stops it: the catalogue keeps the model and index it had.",
    "preparing the demo catalogue": "Quitting now stops it; it is prepared again at the next start.",
    "training a model": "Quitting now stops it: the training done so far is lost, and the catalogue keeps its model.",
    "adapting the model": "Quitting now stops it: the adapting done so far is lost, and the catalogue keeps its model.",
}
DEFAULT_SIZE = QSize(1440, 900)  # the first run's window, on a screen with the room for it
SEARCH_WITH_ATTRIBUTES = "Search titles and attributes (Ctrl+F)"
SEARCH_WITHOUT_ATTRIBUTES = "Search titles and ids (Ctrl+F)"  # a catalogue with no labelled attribute (trial BW)
RESULTS_PER_CATEGORY = (12, 24, 48, 96)  # View ▸ Results per category (settings' default: 24)
COMPATIBLE_HEADING = "<b>Compatible items</b>"  # the results view's heading (ours: no catalogue text)
# ... of a catalogue without outfits: its picks come from the outfits a model learnt elsewhere (trial J:
# an H&M catalogue's results said "Compatible items" and nothing of whose outfits taught them)
ELSEWHERE_HEADING = "<b>Compatible items</b> — learnt from other catalogues' outfits"
ELSEWHERE_HINT = ("This catalogue has no outfits, so no model learnt from its own: what goes with what comes from the "
                  "outfits the model was trained on elsewhere. With outfits in its folder (re-indexed), File → Train "
                  "model on this catalogue… learns picks of its own.")
# ... of a catalogue whose model learnt no matches at all (trained on it without outfits): every list is a
# look-alike one (trial AX read the heading above over such a model)
NO_MATCHES_HEADING = "<b>Items that look like your outfit</b> — its model learnt no matches for these categories"
NO_MATCHES_HINT = ("The model learnt no matches for any of this catalogue's categories (one trained on it without "
                   "outfits learns its attributes, not what goes with what), so every list ranks items by how much "
                   "they look like your outfit. With outfits in its folder (re-indexed), File → Train model on this "
                   "catalogue… learns picks of its own.")
# an outfit search whose every shown category the model has no matches learnt for: ranked by looks alone
LOOK_ALIKE_HEADING = "<b>Items that look like your outfit</b>"
SIMILAR_HEADING = "<b>Visually similar items</b>"  # Find visually similar: the line under it names the item
# the Filters panel's width: a value's first ten characters and its count beside the tick
FILTERS_WIDTH = PANEL_HINT.width()
FILTERS_SHARE = 0.4  # of the explanation's column the Filters panel takes when stacked below it
# a window at least this wide gives the explanation this share of its width (at most EXPLANATION_MAX)
WIDE_WINDOW = 1280
CENTRE_LEAST = 120  # the catalogue, outfit and results column's least side on the smallest screen (it scrolls)
EXPLANATION_SHARE = 0.3
EXPLANATION_MAX = 600

if TYPE_CHECKING:  # the service's module loads the database layer: the worker imports it, after the window is up
    from sane_desktop.service import CatalogueService
    from sane_desktop.service.items import CatalogueItems

Runner = TaskRunner["CatalogueService"]


NO_CATALOGUE = "No catalogue yet. Use File → Index catalogue folder… to add one."


def own_kinds(outfit_categories: Collection[str], results: Mapping[str, Sequence[SearchResult]]) -> frozenset[str]:
    """The listed categories of the outfit's own kinds, as the model counts them: the outfit items' own,
    and any whose results are alternatives to an outfit item (a folder the user mapped to the same model
    category: trial BL's tops ranked first beside a sweater of "Strikk", mapped to tops, that they were not
    compared with). "All categories" lists their items after those the outfit lacks."""
    return frozenset(outfit_categories) | frozenset(
        result.item.category for listed in results.values() for result in listed if result.alternatives)


def badge_points(result: SearchResult, outfit: Sequence[int]) -> dict[int, int]:
    """Outfit item key -> the points of ``result``'s 0–100 match it adds, as its badge in the strip says them
    (:func:`~sane_desktop.service.match_score.share_points` over the items compared with it, in the outfit's
    order ``outfit``). The outfit's reason says these very points (trial DJ read "−1 pts" in the panel beside
    a "−<1" badge: its own shares, from another pass, rounded the other way)."""
    shares = {pk: part for pk, part in result.contributions.items() if pk not in result.not_compared}
    order = [pk for pk in outfit if pk in shares]
    return dict(zip(order, share_points([shares[pk] for pk in order])))


OWN_KIND_WHY = ("Items of your outfit's own kinds are alternatives to its items, not matches: a match pairs "
                "different kinds of item. Chosen under “for”, one of them is ranked by the other items of your outfit.")


def not_ranked_words(not_ranked: Sequence[str], own_kind: Sequence[str], others: bool = False) -> str:
    """The line above a list that left the categories ``not_ranked`` empty: those of the outfit's own kind
    (``own_kind``: alternatives to its items, not matches) and those the model learnt no matches for.
    ``others``: the outfit has items of other kinds too, so one of its own kinds as the target is ranked."""
    own = [category for category in not_ranked if category in own_kind]
    unlearnt = [category for category in not_ranked if category not in own_kind]
    parts = []
    if own and not others:  # with other kinds in the outfit, the box says it: "All other categories" (trial BW)
        parts.append(f"{', '.join(own)} — your outfit's own kind: its items are alternatives, not matches")
    if unlearnt:
        parts.append(f"{', '.join(unlearnt)} — the model learnt no matches with your outfit's items")
    return "Not listed: " + "; ".join(parts) + "." if parts else ""


@dataclass(frozen=True)
class OutfitResults:
    """An outfit search's answer: the results per category, the shown categories ranked in the
    general space, the outfit's own categories that count by looks (their share of every score is
    a visual similarity), the catalogue's import revision it searched, and the outfit's catalogue
    items a re-import removed (then nothing was searched: the window drops them and searches again)."""

    results: dict[str, list[SearchResult]]
    general: tuple[str, ...] = ()
    outfit_by_looks: tuple[str, ...] = ()
    revision: int | None = None
    gone: tuple[int, ...] = ()
    # of ``gone``: those whose photo the catalogue now holds under one other item (a renamed file or folder), with it
    moved: tuple[tuple[int, ItemInfo], ...] = ()
    index_stamp: tuple[int, int, int] | None = None  # the index searched (CatalogueService.index_stamp)
    outfit_categories: tuple[str, ...] = ()  # the outfit items' categories as the catalogue records them now
    # empty lists the model cannot rank: no outfit item's pair with them is in a space it learnt
    not_ranked: tuple[str, ...] = ()
    # those of them the whole outfit is of (as the model counts categories): alternatives, not unlearnt pairs
    own_kind: tuple[str, ...] = ()
    # outfit items whose photo file is gone ("gone") or holds another photo ("replaced") since indexing:
    # every score still uses the photo as indexed (service.items.photos_changed)
    outfit_photos_changed: tuple[tuple[int, str], ...] = ()
    # how many other photos of the categories searched changed since indexing (not among the results: a tile
    # shows its own): ranked as indexed, a list may miss them (trial CM; service.items.photos_changed_in)
    other_photos_changed: int = 0
    folder_gone: str = ""  # the catalogue's folder, when it is no longer there (then no photo is said one by one)
    # the asked categories' items no list can hold (no embedding, or embedded after the build): said under them
    unsearched: tuple[UnsearchedItems, ...] = ()
    # the model's attributes were learnt on another catalogue: no tile names a reason (said once, under the list)
    foreign_reasons: bool = False
    more: tuple[str, ...] = ()  # categories whose list was cut: more items than the window lists


def _outfit_search(service: CatalogueService, outfit: list[int], target: str, k: int,
                   should_stop: Callable[[], bool], item_filter: ItemFilter | None,
                   outfit_categories: tuple[str, ...] = (), photos: Mapping[int, str] | None = None) -> OutfitResults:
    """On the worker: the outfit's compatible items per category, which shown categories the index
    ranks by looks alone (``is_general``: the model has no matches learnt for them), and which of
    ``outfit_categories`` count by looks — asked here and not on the GUI thread, since it may open
    the index. First, which of the outfit's catalogue items are still in the catalogue (a re-import
    from the command line may have removed some since they were added): any gone, nothing is searched, and those
    whose photo (``photos``: pk -> content hash) one other item now holds are answered with it (a folder read as a
    catalogue names its items by their paths: trial EG renamed "Hosen" to "Hosen & Jeans", and its trousers left
    the outfit as "removed")."""
    service.follow_index()  # re-indexed from elsewhere with another model: answer with that one
    current = service.current()
    stored = [pk for pk in outfit if pk >= 0]
    infos = current.items.infos(outfit)  # re-reads the catalogue's row when it moved on
    present = {info.pk for info in infos}
    revision = current.items.record.revision
    gone = tuple(pk for pk in stored if pk not in present)
    if gone:
        moved = []
        for pk in gone:
            holders = [info for info in current.items.with_photo((photos or {}).get(pk, "")) if info.pk not in present]
            if len(holders) == 1:  # two copies of the photo: no telling which one it became
                moved.append((pk, holders[0]))
        return OutfitResults({}, revision=revision, gone=gone, moved=tuple(moved))
    # the outfit's categories as the catalogue records them now: the window's may be a re-import
    # behind (a trial's first heading after one said "Your beauty counts by looks" for no beauty item)
    categories = tuple(dict.fromkeys(info.category for info in infos))
    if len(infos) < len(outfit):  # an image from disk the service no longer holds: the window's word for it
        categories = tuple(dict.fromkeys((*categories, *outfit_categories)))
    search = current.search
    stamp = service.index_stamp()  # before searching: an index rebuilt meanwhile reads as moved on
    # one more than shown: a list cut at k says so only when there was more to show (trial CB read "may have more"
    # of a category of exactly k items)
    results, more = _trimmed(search.search(outfit, target, k + 1, should_stop, item_filter), k)
    not_ranked = tuple(search.not_ranked(outfit, [category for category, found in results.items() if not found]))
    changed, others, gone_folder = _photo_notes(current.items, infos, results, should_stop)
    return OutfitResults(results,
                         tuple(category for category, found in results.items() if found and search.is_general(category)),
                         tuple(category for category in categories if search.is_general(category)), revision,
                         index_stamp=stamp, outfit_categories=categories, not_ranked=not_ranked,
                         own_kind=tuple(search.own_kind(outfit, list(not_ranked))),
                         outfit_photos_changed=changed, other_photos_changed=others, folder_gone=gone_folder,
                         unsearched=tuple(search.unsearched([target] if target else None)),
                         foreign_reasons=bool(current.explanations.foreign_attributes()), more=more)


def _photo_notes(items: CatalogueItems, own: Sequence[ItemInfo], results: Mapping[str, Sequence[SearchResult]],
                 should_stop: Callable[[], bool]) -> tuple[tuple[tuple[int, str], ...], int, str]:
    """On the worker: what a list's notes say of the photos behind it — ``own`` items (the outfit's, or the
    look-alikes' item) whose photo is gone or replaced since indexing, as (key, why); how many other photos of
    the categories listed changed (ranked as indexed, a list may miss them: trial CM); and the catalogue's
    folder when it is gone (then said once, not photo by photo: trial CQ)."""
    from sane_desktop.service.items import photos_changed  # the database layer: on the worker, not at start-up

    if not items.root.is_dir():
        return (), 0, str(items.root)
    stored = [info for info in own if info.pk >= 0]  # an image from disk was read just now
    pk_of = {info.item_id: info.pk for info in stored}
    changed = tuple((pk_of[entry["item_id"]], entry["why"]) for entry in photos_changed(stored))
    shown = {result.item.item_id for listed in results.values() for result in listed} | set(pk_of)
    # of the categories listed (one left empty, of the outfit's own kind or unlearnt, ranks nothing to miss)
    others = len(items.photos_changed_in([c for c, listed in results.items() if listed], skip=shown,
                                         should_stop=should_stop))
    return changed, others, ""


def _trimmed(results: dict[str, list[SearchResult]], k: int) -> tuple[dict[str, list[SearchResult]], tuple[str, ...]]:
    """Each category's list cut to ``k`` (searched for k + 1), and the categories that had more."""
    return ({category: listed[:k] for category, listed in results.items()},
            tuple(category for category, listed in results.items() if len(listed) > k))


def _similar_search(service: CatalogueService, pk: int, target: str, k: int, should_stop: Callable[[], bool],
                    item_filter: ItemFilter | None) -> OutfitResults:
    """On the worker: items that look like ``pk`` (see :meth:`OutfitSearch.similar`), with the model
    the catalogue's index now holds."""
    service.follow_index()
    stamp = service.index_stamp()
    current = service.current()
    search = current.search
    results, more = _trimmed(search.similar(pk, target, k + 1, should_stop, item_filter), k)
    # its own photo ranks every look-alike: said under the list, as an outfit's are (trial CP: the look-alikes said
    # neither that nor the other changed photos)
    changed, others, gone_folder = _photo_notes(current.items, current.items.infos([pk]), results, should_stop)
    return OutfitResults(results, index_stamp=stamp, outfit_photos_changed=changed, other_photos_changed=others,
                         folder_gone=gone_folder,
                         unsearched=tuple(search.unsearched([target] if target else None)),
                         foreign_reasons=bool(service.current().explanations.foreign_attributes()), more=more)


logger = logging.getLogger(__name__)


def outfit_key(name: str, shared: str = "") -> str:
    """Where the window keeps the outfit built in catalogue ``name`` while another is open: its name,
    or for a shared catalogue its name and address (``user@host:port/db``), never a local one's key."""
    return f"{name} — on {shared}" if shared else name


# the status bar when the results on screen were found in an index that has changed since
OUTDATED_SEARCHING = "The catalogue changed since these results (re-indexed, or its model replaced): searching again…"
OUTDATED_SEARCHED = ("The catalogue changed since these results: they were searched again; click a result to see "
                     "why it matches.")
OUTDATED_EXPLAINED_AGAIN = ("The catalogue changed since these results: they were searched again, and the result "
                            "you were reading is explained again.")


def result_line(result: SearchResult, look_alike: bool = False) -> str:
    """The explanation card's first line: the result's 0–100 match as its tile shows it, then the result
    ("Match 75/100 — “Royal wedding”"; a likeness for a look-alike or a "visually similar" result). The
    number first: a long title is elided at the end, and cut the number off when it came last."""
    points = match_percent(result.score, result.compared())
    kind = "Looks alike" if result.general or look_alike else "Match"
    return f"{kind} {points}/100 — “{isolated(result.item.title or result.item.item_id)}”"  # quotes kept in place


def badge_terms(points: Sequence[int], shares: Sequence[float] = ()) -> str:
    """The outfit badges' points as the status bar's sum says them ("+ 9 − 1 + <1"), each as its badge
    does (:func:`~sane_desktop.service.match_score.signed_points`): a share under one point reads "<1"
    with its sign (trial AZ read "+<1" on a badge and "+ 0" in the sum for the same item)."""
    padded = [*shares, *[0.0] * (len(points) - len(shares))]
    return " ".join(f"{signed[0]} {signed[1:]}" for signed in (signed_points(value, share)
                                                               for value, share in zip(points, padded)))


def left_out_words(count: int, titles: Sequence[str]) -> str:
    """What the window says of ``count`` outfit items a re-import took out of the catalogue, named by
    ``titles`` (those known)."""
    text = f"{counted(count, 'item')} of your outfit {no_longer_in_catalogue(count)}"
    if not titles:
        return f"{text}: left out."
    return f"{text}: {_listed([f'“{title}”' for title in titles])} {'is' if len(titles) == 1 else 'are'} left out."


def empty_search_words(text: str, category: str) -> str:
    """What the catalogue grid says when its search finds nothing (rich text; ``category``: the one browsed, ""
    for all): why, and what to try — every word must be in an item's words, the last one may be begun."""
    fewer = " Try fewer words: each must be in an item's title, description or labels." if len(text.split()) > 1 \
        else " Try another word: it must be in an item's title, description or labels, or begin one."
    if category:
        return (f"No item of “{escape(category)}” matches this search — <a href='allcategories'>search every "
                f"category</a>.{fewer}")
    return f"No items match this search.{fewer}"


def moved_words(moves: Sequence[tuple[ItemInfo | str, ItemInfo]]) -> str:
    """What the window says of outfit items a re-import moved (before, or the title it had; after): their photo is
    now another item's, in another folder or under another name, and they stay in the outfit as that item."""
    if len(moves) > 1:
        return (f"{len(moves)} items of your outfit were renamed or moved by a re-import (the same photos): they stay "
                "in your outfit.")
    before, after = moves[0]
    title = before if isinstance(before, str) else before.title or before.item_id
    same_place = not isinstance(before, str) and after.category == before.category
    where = "under another name" if same_place else f"now in “{after.category}”"
    return f"“{title}” was renamed or moved by a re-import (the same photo, {where}): it stays in your outfit."


def _plural(names: list[str]) -> bool:
    """Whether ``names`` (category names) take a plural verb: several, or one that reads as a
    plural ("accessories", "Shoes"; not "Dress" or "Jewellery"). A trial read "Your accessories counts"."""
    return len(names) > 1 or (names[0].casefold().endswith("s") and not names[0].casefold().endswith("ss"))


def _listed(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    names = [isolated(name) for name in names]  # two right-to-left names never run together (trial AE)
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def _hand_on_spare(splitter: QSplitter, panel: QWidget, height: int) -> None:
    """Give what ``panel`` holds in ``splitter`` beyond ``height`` (px) to the widget after it: a
    splitter keeps a shrunk widget's old share as a blank gap."""
    sizes, mine = splitter.sizes(), splitter.indexOf(panel)
    if 0 <= mine and mine + 1 < len(sizes) and sizes[mine] > height:
        sizes[mine + 1] += sizes[mine] - height
        sizes[mine] = height
        splitter.setSizes(sizes)


def menu_actions(bar: QMenuBar | QMenu) -> list[QAction]:
    """Every action of ``bar``'s menus and their submenus, depth first."""
    found: list[QAction] = []
    for action in bar.actions():
        found.append(action)
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            found += menu_actions(submenu)
    return found


class CentreScroller(QScrollArea):
    """The catalogue, the outfit and the results, scrolled as one only where the screen is smaller than their
    least size: that least (663 × 534 px) was the window's, which overran a 1024 × 640 screen at 150 % (its
    status bar, thumbnail slider and Export button out of reach, trial ES). Its own least is theirs bounded by
    ``room`` (what the screen leaves them beside the menus, bars and docks), so on a screen with the room nothing
    scrolls and a dock is squeezed before they are, as before."""

    def __init__(self, centre: QWidget, room: Callable[[], QSize]) -> None:
        super().__init__()
        self.room = room
        self.setObjectName("centre-scroller")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setWidget(centre)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # in each direction the centre's own least where the screen has room for it, else a small one (it scrolls):
        # bounded to the room instead, the window's least was the whole screen, never to be made smaller (trial ET)
        centre = self.widget()
        least = centre.minimumSizeHint() if centre is not None else QSize(0, 0)
        room = self.room()
        return QSize(least.width() if least.width() <= room.width() else CENTRE_LEAST,
                     least.height() if least.height() <= room.height() else CENTRE_LEAST)


class CentreColumn(QSplitter):
    """The outfit above the results. The results get their share first: in a short window the
    outfit strip gives up its spare room, then its tiles shrink, so that the results still show one
    whole row of tiles under their header (a tall window sees no change)."""

    def __init__(self, outfit: OutfitPanel, results: ResultsView) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.outfit, self.results = outfit, results
        self.addWidget(outfit)
        self.addWidget(results)
        self.setStretchFactor(1, 1)
        outfit.height_fitted.connect(lambda height: _hand_on_spare(self, outfit, height))
        # once the layout pass is over: refitting the outfit re-sizes this splitter's children
        self._fit_timer = timer(self, 0)
        self._fit_timer.timeout.connect(self.fit)
        results.least_height_changed.connect(self._fit_timer.start)

    def fit(self) -> None:
        """Give the outfit what the results leave of this column's height."""
        self.outfit.fit_to(self.height() - self.handleWidth() - self.results.least_height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().height() != event.oldSize().height():
            self._fit_timer.start()


class ItemMenuEvents(QObject):
    """The item views' context-menu events. On a viewport: eats the right mouse button, so a
    right-click opens the item's context menu (Qt sends that event anyway) without selecting the item:
    what is selected stays what the explanation panel explains (issue 18: they disagreed after a
    right-click). On a view: the Menu key's keyboard context-menu event opens the current item's menu
    at that item (:meth:`MainWindow.keyboard_item_menu`), not the menu of the item at the corner."""

    BUTTON_EVENTS = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main_window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in self.BUTTON_EVENTS and isinstance(event, QMouseEvent) \
                and event.button() == Qt.MouseButton.RightButton:
            return True
        # on the view itself: the Menu key's context-menu event opens the current item's menu, once
        if event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent) \
                and event.reason() == QContextMenuEvent.Reason.Keyboard and isinstance(watched, QListView):
            self.main_window.keyboard_item_menu(watched)
            return True
        return super().eventFilter(watched, event)


def tile_side_within(view: QListView, wanted: int) -> int:
    """``wanted`` (a thumbnail's side), or less where a tile of it (side + 8 px) would not fit ``view``
    beside its vertical scroll bar; never under the slider's least side."""
    room = view.width() - 2 * view.frameWidth() - view.verticalScrollBar().sizeHint().width() - 2 * view.spacing()
    return max(TILE_SIDES[0], min(wanted, room - 8 - 2))


class TileRoom(QObject):
    """Fits the grids' tiles to their width again (:meth:`MainWindow.fit_tiles`) once a resize of either
    has settled (one call for a drag's many resizes)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.timer = timer(self, 0)
        self.timer.timeout.connect(window.fit_tiles)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self.timer.start()
        return super().eventFilter(watched, event)


class SearchBoxKeys(QObject):
    """The search box's keys, as a browser's or mail program's find box answers them (trial CY): Escape empties
    it, Down or Enter goes to the first item found (current and selected, in the catalogue grid)."""

    def __init__(self, box: QLineEdit, to_first_hit: Callable[[], None]) -> None:
        super().__init__(box)
        self.box, self.to_first_hit = box, to_first_hit
        box.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            if event.key() == Qt.Key.Key_Escape and self.box.text():
                self.box.clear()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.to_first_hit()
                return True
        return super().eventFilter(watched, event)


class CatalogueSwitcher(ElidedComboBox):
    """The catalogue switcher: says when its list is about to open, so the window can list the
    catalogues again (one indexed from the command line meanwhile shows up without a restart)."""

    popup_opening = Signal()

    def showPopup(self) -> None:  # noqa: N802 - Qt's name
        self.popup_opening.emit()
        super().showPopup()


@dataclass
class Channels:
    """The window's channels: each holds at most one live task, the latest of its kind."""

    runner: Runner
    catalogues: Channel[CatalogueService] = field(init=False)
    open: Channel[CatalogueService] = field(init=False)
    items: Channel[CatalogueService] = field(init=False)
    search: Channel[CatalogueService] = field(init=False)
    explain: Channel[CatalogueService] = field(init=False)
    tiles: Channel[CatalogueService] = field(init=False)
    guess: Channel[CatalogueService] = field(init=False)
    build: Channel[CatalogueService] = field(init=False)  # the demo's first build, a re-index
    outfit: Channel[CatalogueService] = field(init=False)  # restoring a catalogue's outfit
    details: Channel[CatalogueService] = field(init=False)  # an item's description, for its details
    reread: Channel[CatalogueService] = field(init=False)  # categories and outfit items after a re-import elsewhere
    stamp: Channel[CatalogueService] = field(init=False)  # is the index the results came from still there?
    writer: Channel[CatalogueService] = field(init=False)  # has the run writing the index ended?
    ticks: Channel[CatalogueService] = field(init=False)  # which remembered filter values the catalogue still has

    def __post_init__(self) -> None:
        for name in ("catalogues", "open", "items", "search", "explain", "tiles", "guess", "build", "outfit",
                     "details", "reread", "stamp", "writer", "ticks"):
            setattr(self, name, self.runner.channel())


def elided_address(address: str, most: int = 80) -> str:
    """A web address short enough for one line of a message (its middle elided)."""
    return address if len(address) <= most else f"{address[:most // 2]}…{address[-(most // 2 - 1):]}"


def settings_remedy(problem: str) -> str:
    """What lets the settings be written again, from the words of why they were not (trial EO was told to "free some
    space" of a settings folder made read-only)."""
    if "No space left" in problem or "quota" in problem.casefold():
        return "free some space"
    if "is a file, not a folder" in problem:
        return "move that file away"
    if "Permission denied" in problem or "Read-only" in problem or "not permitted" in problem:
        return "make that folder writable"
    return "mend what stops the writing"


# a catalogue without an index, in the window's words (NotIndexed)
NOT_INDEXED = "has no search index yet (it was only imported, or an index was stopped before it finished)"


class MainWindow(QMainWindow):
    def __init__(self, tasks: Runner, settings: Settings, thumbnails: ThumbnailLoader) -> None:
        super().__init__()
        # the platform appends the application display name ("… — SANE Desktop"), so titles leave it out
        self._title_base = "Why do these match?"  # the catalogue's name once one is open
        self.setWindowTitle(self._title_base)
        self.tasks, self.settings, self.thumbnails = tasks, settings, thumbnails
        self.channels = Channels(tasks)
        self.catalogue: CatalogueInfo | None = None
        self.shared = ""  # where the open catalogue lives when it is a shared one (no password)
        self.shared_dialog: SharedCatalogueDialog | None = None
        self.device = "…"
        self._items: dict[int, ItemInfo] = {}
        self._results: dict[int, SearchResult] = {}
        self._outfit_photos: dict[int, str] = {}  # outfit item key -> "gone" or "replaced" (the last search's)
        self._unsearched: tuple[UnsearchedItems, ...] = ()  # the last search's items no list could hold
        self._other_photos = 0  # the last outfit search's other changed photos of its categories (OutfitResults)
        self._folder_gone = ""  # the catalogue's folder, when the last search found it gone
        self._foreign_reasons = False  # the last search's model names no reason here (said under the list)
        self._more: tuple[str, ...] = ()  # the last search's categories with more items than listed
        # the categories an outfit search left empty beside listed ones, and those of them of the outfit's own kind
        self._not_ranked: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        # (the catalogue open, the outfit's keys) and the categories its list of every category left out, as last listed
        self._left_out_of_all: tuple[object, list[str]] = ((), [])
        self.shortcuts_dialog: ShortcutsDialog | None = None  # Help → Keyboard shortcuts, made when first asked
        self._look_alike: frozenset[str] = frozenset()  # shown categories an outfit search ranked by looks alone
        self._in_outfit: frozenset[str] = frozenset()  # shown categories the outfit has: listed after the others
        self._points_said = ""  # the status bar's last note on the outfit's badges (:meth:`_say_points`)
        self._hovered: int | None = None  # the result under the pointer (its badges are on the outfit)
        self._last_explained: int | None = None
        self._explained_before_change: int | None = None  # the result explained before the outfit last changed
        self._explain_when_listed: int | None = None  # a result to explain again once listed (Undo)
        # what the explanation asked for answers: a likeness to this item ("visually similar"), or None
        # for a match with the outfit — known at the click, before its first step arrives (trial AJ)
        self._explained_like: ItemInfo | None = None
        # what the log says for the person (a catalogue database upgraded in place, a copy kept): in a box too,
        # not only the log (trial CA's leftover); notes of one moment (a listing upgrades each) in one box
        self.user_notes = UserNotes(self)
        self.user_notes.said.connect(self._note_for_user)
        self._notes_for_user: list[str] = []

        self.browser_model = ItemListModel(thumbnails, self)
        self.outfit_model = ItemListModel(thumbnails, self)
        self.outfit_model.outfit_mode = True
        self.results_model = ItemListModel(thumbnails, self)
        self._build_browser()
        self.outfit_panel = OutfitPanel(self.outfit_model)
        self.results = ResultsView(self.results_model)
        centre = CentreColumn(self.outfit_panel, self.results)
        self.outfit_panel.add_items_requested.connect(self.add_to_outfit)
        self.main_splitter = splitter = QSplitter()
        splitter.setObjectName("catalogue-outfit")
        splitter.addWidget(self.browser)
        splitter.addWidget(centre)
        splitter.setSizes([470, 620])
        # the catalogue column's width as the person left it (trial BE: the window state kept the docks only)
        remembered = settings.get_bytes("main_splitter")
        if remembered is not None:
            splitter.restoreState(remembered)
        # the catalogue, outfit and results scroll as one only where the screen is smaller than their least size
        self._last_centre_room = QSize()
        self._screen_fit_timer = timer(self, 0)
        self._screen_fit_timer.timeout.connect(self._fit_to_screen)
        self.centre_scroller = CentreScroller(splitter, self._centre_room)
        self.setCentralWidget(self.centre_scroller)
        self.explanation = ExplanationView()
        self.explanation.opacity.setValue(settings.get("opacity"))
        self.explanation.colour_map.setCurrentText(settings.get("colour_map"))
        if self.explanation.colour_map.currentText() != settings.get("colour_map"):  # no such map: said at start
            settings.ignored.add("colour_map")
        self.explanation.set_details_shown(bool(settings.get("explanation_details")))
        self.explanation.details_toggled.connect(lambda shown: settings.set("explanation_details", int(shown)))
        self.explanation.export_folder = str(settings.get("export_folder") or "")
        self.explanation.exported.connect(self._explanation_exported)
        self.explanation.outfit_item_clicked.connect(  # the outfit's reason drills down to a pair
            lambda pk: self.explain(self._last_explained, pk) if self._last_explained is not None else None)
        self._quit_confirmed = False
        # the explanation a catalogue list stopped (request_items), to go on once the list came
        self._resume_after_list: tuple[int, int | None, tuple[int, ...]] | None = None
        self._first_listing = True  # the start's listing: the last catalogue is looked for by its token too
        self._no_catalogue_words = NO_CATALOGUE  # what an empty listing says (why the demo is missing, when it failed)
        # a line the start said (remembered settings read as their defaults): kept beside what replaces it
        self.start_note = ""
        self._news: list[tuple[str, float]] = []  # lines said by _say_news, with their time.monotonic()
        self.explanation_dock = dock = QDockWidget(self.explanation.question(), self)
        # the panel's question follows what it shows: a likeness, a match, or (cleared) the default
        self.explanation.question_changed.connect(dock.setWindowTitle)
        dock.setObjectName("explanation")
        dock.setWidget(self.explanation)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        # the filters sidebar (issue 18, point 13): its ticks filter the catalogue grid and the results
        self.filters = FiltersPanel(tasks)
        self.filters.changed.connect(self._filters_changed)
        self.filters_dock = QDockWidget("Filters", self)
        self.filters_dock.setObjectName("filters")
        self.filters_dock.setWidget(self.filters)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.filters_dock)
        # opened from the toolbar's "Filters" (and View → Panels): closed at first, the grids keep their
        # columns in a small window; the saved window state brings it back as it was left
        self.filters_dock.hide()
        self.detail_view: DetailView | None = None  # issue 18, point 16: made on first use
        self._build_actions()
        # the Filters panel gets room to be read each time it is opened (toolbar, Ctrl+Shift+F, View → Panels),
        # when the window first shows (a remembered layout) and when the window is narrowed with it open
        self.filters_toggle.triggered.connect(lambda shown: self._give_filters_room() if shown else None)
        self._filters_room_timer = timer(self, 0)
        self._filters_room_timer.timeout.connect(lambda: self._give_filters_room(opened=False))
        self._shown_once = False
        # the explanation's share of a wider window (a trial's stayed ~250 px at 1440 and 1920 px wide)
        self._explanation_room_timer = timer(self, 0)
        self._explanation_room_timer.timeout.connect(self._give_explanation_room)
        # with no result pointed at, the outfit's badges are those of the result explained (trial AB lost
        # the numbers while clicking the explanation's partner rows); once the panel has settled on it
        self._badges_timer = timer(self, 0)
        self._badges_timer.timeout.connect(lambda: self._result_hovered(self._hovered, say=False))
        self.explanation.question_changed.connect(lambda _question: self._badges_timer.start())
        self._build_status_bar()

        self.outfit_panel.changed.connect(self._outfit_changed)
        self.outfit_panel.removed_with_undo.connect(self._say_removed)
        self.outfit_panel.cleared_with_undo.connect(self._say_cleared)
        self.outfit_panel.undone.connect(self._say_undone)
        self.outfit_panel.nothing_to_remove.connect(
            lambda: self.statusBar().showMessage("Nothing removed: click the outfit item to remove first", 6000))
        self._undo_said = ""  # the status bar's "Ctrl+Z brings it back", while it is on screen
        self.outfit_panel.add_file_requested.connect(self._files_dropped)
        self.outfit_panel.web_images_dropped.connect(self._web_images_dropped)
        self.results.target_changed.connect(self._target_chosen)
        self.results.result_activated.connect(self.explain)
        self.results.visible_changed.connect(self.request_tiles)
        self.results.hovered.connect(self._result_hovered)
        self._similar_to: ItemInfo | None = None  # the item the results are "visually similar" to, if they are
        self._build_item_menus()
        self.category_dialog: CategoryDialog | None = None
        self.index_dialog: IndexDialog | None = None
        self.train_dialog: TrainDialog | None = None
        self.adapt_dialog: AdaptDialog | None = None
        self.catalogue_manager: CatalogueManager | None = None
        self.cache_dialog: CacheDialog | None = None
        tasks.activity.connect(self.activity.setText)
        self._search_timer = timer(self, SEARCH_DEBOUNCE_MS)
        self._writer_poll = timer(self, WRITER_POLL_MS, single_shot=False)  # after a refusal "being indexed now"
        self._writer_poll.timeout.connect(self._poll_index_writer)
        # the open catalogue's index folder: a re-index from a terminal (another window, a script) is
        # noticed when its manifest is replaced, not only when this window is next activated, which a
        # screen without a window manager never does (trial BM's list stayed the old index's until a click)
        self._index_watch = QFileSystemWatcher(self)
        self._index_settle = timer(self, INDEX_SETTLE_MS)
        self._index_watch.directoryChanged.connect(lambda _path: self._index_settle.start())
        self._index_settle.timeout.connect(self._index_changed_elsewhere)
        self._search_timer.timeout.connect(self.request_items)
        geometry = settings.get_bytes("geometry")
        # remembered from a larger screen, it is shrunk to this one; one that cannot be read is no layout
        if geometry is not None and self.restoreGeometry(geometry):
            fit_window(self)
        else:  # the first run: as large as the design wants, if the screen has the room (frame included)
            self.resize(fitted_size(DEFAULT_SIZE, screen_of(self).availableGeometry(), FRAME_ALLOWANCE))
        state = settings.get_bytes("window_state")
        if state is not None:
            self.restoreState(state)
        self._auto_reindexed: set[str] = set()  # built-in catalogues rebuilt once this session
        # why a search would refuse the open catalogue's index (OpenedCatalogue.index_refusal), "" when none known
        self._index_refusal = ""
        # catalogue name -> its outfit, this session: item keys, and (path, category, content hash) of images
        # from disk
        self._outfits: dict[str, list[Entry]] = {}
        # the database (its token) each kept outfit's item keys are of: a catalogue made anew under the
        # same name (replaced by the index dialog, or from a terminal) gives those keys to other items
        self._outfit_uids: dict[str, str] = {}
        # the photos (content hashes) of the catalogue items of each outfit kept: key -> {item key: hash}; one a
        # re-index gave to another item meanwhile (a renamed folder) comes back as that item (_restore_outfit)
        self._kept_photos: dict[str, dict[int, str]] = {}
        self._uids: dict[str, str] = {}  # each local catalogue's token as last listed (its outfit's key)
        self._remember_outfit = False  # off while a catalogue's outfit is being brought back
        self._items_asked: tuple[str, ...] = ()  # what the catalogue grid lists (see _show_items)
        self._revision: int | None = None  # the open catalogue's import revision, as its last search found it
        self._index_stamp: tuple[int, int, int] | None = None  # the index the results on screen were found in
        self._has_outfits = True  # the open catalogue's
        self._matches_learnt = True  # its model learnt matches for some of its categories (OpenedCatalogue)
        self._renamed: tuple[str, str] | None = None  # the open catalogue's rename (old, new), until it reopens
        self._waiting_open = ""  # a catalogue chosen while a long run held the worker: it opens after it
        self._waiting_words = ""  # the status line that says so, cleared once it opens
        self._select_after_listing: str | None = None
        self._reopen_after_listing = True
        # the device is shown once the worker has loaded the models (gui/startup.py, load_models):
        # asking for it here would load torch before the catalogue opens (issue 18 point 10)
        self._pending_files: list[str] = []
        self._tile_pairs: set[tuple[int, int]] = set()
        self.set_tile_overlays(bool(settings.get("tile_overlays")))
        self._build_filter_wiring()
        guard_wheel(self)  # a wheel over a box in a scrolled panel scrolls the panel, never changes the box

    # --- layout ----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._shown_once:  # at the window's size: a panel squeezed in an older session gets its room
            self._shown_once = True
            self.centre_scroller.updateGeometry()  # its least, from the screen the window opened on
            # the keyboard, as a window manager gives a new window: without one, Ctrl+O and typing went nowhere
            # until the window was clicked (trial ES)
            QTimer.singleShot(0, self, lambda: self.activateWindow() if QGuiApplication.focusWindow() is None else None)
            self._give_filters_room()
            self._give_explanation_room()

    def event(self, event: QEvent) -> bool:
        # a dock's least width grew (an explanation's rows): the centre's least, bounded by what the screen leaves
        # it, is asked again before Qt lays the window out, else the window grew past the screen (trial ES)
        if event.type() == QEvent.Type.LayoutRequest and hasattr(self, "centre_scroller"):
            room = self._centre_room()
            if room != self._last_centre_room:
                self._last_centre_room = room
                self.centre_scroller.updateGeometry()
        return super().event(event)

    def _fit_to_screen(self) -> None:
        """Fit the window back inside its screen after Qt grew it to a larger least size past the edge (the
        centre's least is asked again only after a dock grew it; see :meth:`resizeEvent`). A size the person, or a
        test, chose is not refitted."""
        if self.isVisible() and not screen_of(self).availableGeometry().contains(self.frameGeometry()):
            fit_window(self)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        old, new = event.oldSize(), event.size()
        grown_to_least = (new.width() > old.width() and new.width() == self.minimumWidth()) or \
            (new.height() > old.height() and new.height() == self.minimumHeight())
        if self._shown_once and old.isValid() and grown_to_least:  # Qt grew it to a larger least size: refit it
            self._screen_fit_timer.start()
        if self._shown_once and self.filters_dock.isVisible():
            self._filters_room_timer.start()  # once the resize is done (never re-docked within it)
        if self._shown_once and event.size().width() > event.oldSize().width():
            self._explanation_room_timer.start()  # a wider window: never when a separator is dragged

    def _give_explanation_room(self) -> None:
        """Widen the docked explanation to EXPLANATION_SHARE of a window at least WIDE_WINDOW wide
        (at most EXPLANATION_MAX): Qt gives a growing window's width to the grids, and the panel the
        app exists for kept its first ~250 px, its photos ~90 px. A wider panel is left as it is."""
        dock = self.explanation_dock
        if not dock.isVisible() or dock.isFloating():
            return
        if self.width() < WIDE_WINDOW:  # a narrow window: the catalogue and the results keep their least width
            self._lay_out_docks()
            separator = self.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, self)
            room = max(dock.minimumSizeHint().width(), self.width() - self.main_splitter.minimumSizeHint().width()
                       - separator)
            if dock.width() > room:  # its first 400 px left a 683-px window's centre 267 px, scrolled (trial ES)
                self.resizeDocks([dock], [room], Qt.Orientation.Horizontal)
            return
        wanted = min(EXPLANATION_MAX, round(self.width() * EXPLANATION_SHARE))
        self._lay_out_docks()
        if dock.width() < wanted:
            self.resizeDocks([dock], [wanted], Qt.Orientation.Horizontal)

    def _centre_room(self) -> QSize:
        """What the screen leaves the catalogue, outfit and results column: its available size less a frame, the
        menu, tool and status bars, and the docked explanation at its least (:class:`CentreScroller`)."""
        available = screen_of(self).availableGeometry().size().shrunkBy(FRAME_ALLOWANCE)
        bars = sum(bar.sizeHint().height() for bar in (self.menuBar(), self.findChild(QToolBar, "main-toolbar"),
                                                       self.statusBar()) if bar is not None and not bar.isHidden())
        explanation = self.explanation_dock if hasattr(self, "explanation_dock") else None  # (asked while built)
        docked = 0  # (isHidden, not isVisible: asked before the window is first shown, nothing is visible)
        if explanation is not None and not explanation.isHidden() and not explanation.isFloating():
            docked = explanation.minimumSizeHint().width() + self.style().pixelMetric(
                QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, self)
        return QSize(available.width() - docked, available.height() - bars)

    def _filters_column_room(self) -> int:
        """The most a Filters column of its own can have: the window's width less the central panels
        and the docked explanation at their smallest, and the dock separators."""
        separator = self.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, self)
        taken = self.main_splitter.minimumSizeHint().width() + separator  # the centre's least, not its scroller's
        explanation = self.explanation_dock
        if explanation.isVisible() and not explanation.isFloating():
            taken += explanation.minimumSizeHint().width() + separator
        return self.width() - taken

    def _give_filters_room(self, opened: bool = True) -> None:
        """Give the shown Filters panel room to read its values: a column of its own on the left, at
        least FILTERS_WIDTH wide, where the window has that room beside the catalogue, the outfit and
        the explanation at their smallest; else (a narrow window: 800 px) below the explanation, at its
        width — four columns in 800 px left the panel ~92 px, each value "… (4)". ``opened`` False (the
        window was resized): only a panel squeezed in its column moves, none moves back (no jumping to
        and fro as a window edge is dragged). A floating panel, or one at the top or bottom, stays."""
        dock, explanation = self.filters_dock, self.explanation_dock
        area = self.dockWidgetArea(dock)
        sides = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
        if not dock.isVisible() or dock.isFloating() or area not in sides:
            return
        shares_explanation = explanation.isVisible() and not explanation.isFloating() \
            and self.dockWidgetArea(explanation) == area
        if self._filters_column_room() >= FILTERS_WIDTH or not explanation.isVisible() or explanation.isFloating():
            if not opened:
                return
            if shares_explanation or area != Qt.DockWidgetArea.LeftDockWidgetArea:
                self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            self._lay_out_docks()  # the dock's width as laid out, not as it was when last shown
            if dock.width() < FILTERS_WIDTH:
                self.resizeDocks([dock], [FILTERS_WIDTH], Qt.Orientation.Horizontal)
        elif not shares_explanation:
            self.splitDockWidget(explanation, dock, Qt.Orientation.Vertical)
            self._lay_out_docks()
            height = explanation.height() + dock.height()
            self.resizeDocks([explanation, dock], [round(height * (1 - FILTERS_SHARE)), round(height * FILTERS_SHARE)],
                             Qt.Orientation.Vertical)

    def _lay_out_docks(self) -> None:
        """Apply the docks' placement now (Qt would at its next layout pass), so their sizes are current."""
        layout = self.layout()
        if layout is not None:
            layout.activate()

    def _build_browser(self) -> None:
        self.browser = QWidget()
        self._reopening_switcher = False  # the switcher's list re-opened at a new size: no second listing
        self.catalogue_switcher = CatalogueSwitcher()
        self.catalogue_switcher.setAccessibleName("Catalogue")
        self.catalogue_switcher.popup_opening.connect(self.relist_catalogues)
        self.catalogue_switcher.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        # a long catalogue name never widens the window; 8 letters leave room, at 800 × 600, for the
        # Filters and an explanation panel that cuts nothing off (the full name is in the list)
        self.catalogue_switcher.setMinimumContentsLength(8)
        self.catalogue_switcher.setToolTip("Indexed catalogues")
        # keyboard by Tab only: a key pressed after a mouse choice must not open another catalogue (trial CC)
        self.catalogue_switcher.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.catalogue_switcher.activated.connect(lambda _i: self._switcher_chose(self.catalogue_switcher.currentData()))
        self.search_box = QLineEdit()
        self._search_words(SEARCH_WITH_ATTRIBUTES)
        self.search_box.setClearButtonEnabled(True)
        magnifier = self.search_box.addAction(qta.icon("mdi6.magnify"), QLineEdit.ActionPosition.LeadingPosition)
        themed_icon(magnifier, "mdi6.magnify")
        # names a screen reader says (a placeholder is none; Qt's clear button has no text of its own)
        self.search_box.setAccessibleName("Search the catalogue")
        for button in self.search_box.findChildren(QToolButton):
            if any(action.objectName() == "_q_qlineeditclearaction" for action in button.actions()):
                button.setAccessibleName("Clear the search")
            elif magnifier in button.actions():
                button.setAccessibleName("Search")
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        SearchBoxKeys(self.search_box, self.first_hit)
        # typing on after Down or Enter: that search's first item is not wanted any more (a review)
        self.search_box.textChanged.connect(lambda _t: setattr(self, "_first_hit_when_listed", False))
        self._first_hit_when_listed = False  # Down or Enter came before the search had listed its items
        self.category_filter = ElidedComboBox()
        self.category_filter.setAccessibleName("Show the catalogue's category")
        self.category_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.category_filter.setMinimumContentsLength(10)
        self.category_filter.setToolTip("Show one category")
        # as the results' target box: chosen with the mouse, End pressed next is the grid's, not the box's (trial CC)
        self.category_filter.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.category_filter.addItem("All categories", "")
        self.category_filter.currentIndexChanged.connect(lambda _i: self.request_items())
        self.grid = QListView()
        self.grid.setAccessibleName("Catalogue items")
        self.grid.setModel(self.browser_model)
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        KeepCurrentInView(self.grid)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setIconSize(QSize(140, 140))
        self.grid.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.grid.setDragEnabled(True)
        self.grid.setDragDropMode(QListView.DragDropMode.DragOnly)
        self.grid.setItemDelegate(ItemTileDelegate(show_score=False, parent=self.grid))
        self.grid.setToolTip("Double-click (or Ctrl+Enter) to add to the outfit; drag onto the outfit")
        self.grid.doubleClicked.connect(lambda index: self.add_to_outfit([int(index.data(Role.ItemPk))]))
        self.grid_focus = KeyboardFocusSelects(self.grid)  # Tab in: the first item, selected (Ctrl+Enter adds it)
        self.browser_empty = plain_label()
        self.browser_empty.setWordWrap(True)
        self.browser_empty.setVisible(False)
        self.catalogue_sort = catalogue_sort_combo(str(self.settings.get("catalogue_sort")), self._catalogue_sort_chosen)
        filters = QHBoxLayout()
        filters.addWidget(self.search_box, 1)
        filters.addWidget(self.category_filter)
        layout = QVBoxLayout(self.browser)
        layout.setContentsMargins(0, 0, 0, 0)
        switcher = QHBoxLayout()  # the sort beside the switcher: the filter row keeps its width
        switcher.addWidget(self.catalogue_switcher, 1)
        switcher.addWidget(self.catalogue_sort)
        layout.addLayout(switcher)
        layout.addLayout(filters)
        layout.addWidget(self.browser_empty)
        layout.addWidget(self.grid, 1)

    def _action(self, icon: str, text: str, slot: Any, shortcut: str | QKeySequence | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        themed_icon(action, icon)
        action.triggered.connect(slot)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        plain = text.replace("&", "")  # the mnemonic's "&" underlines a letter in menus, never in tooltips
        action.setToolTip(tip or plain)
        action.setStatusTip(tip or plain)
        return action

    def _build_actions(self) -> None:
        self.index_action = self._action("mdi6.folder-plus-outline", "&Index catalogue folder…", self.show_index_dialog,
                                         "Ctrl+O", "Import and index a catalogue folder")
        self.train_action = self._action("mdi6.school-outline", "&Train model on this catalogue…", self.show_train_dialog,
                                         None, "Train the compatibility model on this catalogue's outfits")
        self.train_action.setEnabled(False)
        self.adapt_action = self._action("mdi6.tune-variant", "&Adapt model to this catalogue…", self.show_adapt_dialog,
                                         None, "Fit the model's normalisation to this catalogue's images (no labels)")
        self.adapt_action.setEnabled(False)
        self.add_action = self._action("mdi6.plus-box-outline", "&Add to outfit", self.add_selected_to_outfit,
                                       "Ctrl+Return", "Add the selected catalogue items to the outfit")
        self.add_image_action = self._action("mdi6.image-plus", "Add &image from disk…", self.choose_images, "Ctrl+I",
                                             "Add an image file to the outfit (its category is predicted)")
        # a stylist's words (trial CY read "Saliency on tiles"); the research term in its tooltip
        self.overlay_action = self._action("mdi6.layers-outline", "&Highlight what matches on tiles",
                                           self.set_tile_overlays, "Ctrl+M",
                                           "Show on each result's thumbnail the parts that make it match (its saliency "
                                           "map)")
        self.overlay_action.setCheckable(True)
        self.clear_action = self._action("mdi6.broom", "&Clear outfit", self.outfit_panel.clear_with_undo, None,
                                         "Remove every item from the outfit (Undo brings them back)")
        self.next_action = self._action("mdi6.chevron-right", "&Next result", lambda: self.results.step(1), "Alt+Right")
        self.previous_action = self._action("mdi6.chevron-left", "&Previous result", lambda: self.results.step(-1), "Alt+Left")
        self.explain_action = self._action("mdi6.lightbulb-on-outline", "Open &explanation", self.explain_current,
                                           "Ctrl+E", "Explain the selected result")
        # Ctrl+S saves the outfit, as a stylist expects of "save" (trial CY got an explanation's PNG dialog)
        self.export_action = self._action("mdi6.content-save-outline", "&" + EXPORT_TEXT,
                                          lambda: self.explanation.export(), "Ctrl+Shift+S")
        # enabled while there is an explanation to export, as the panel's button (trial AX: it did nothing)
        self.export_action.setEnabled(self.explanation.export_button.isEnabled())
        self.explanation.exportable_changed.connect(self.export_action.setEnabled)
        self.about_action = self._action("mdi6.information-outline", "&About SANE Desktop",
                                         lambda: show_about(self, self.device))
        self.log_folder_action = self._action("mdi6.folder-text-outline", "Open &log folder",
                                              lambda: open_log_folder(self), None,
                                              "Open the folder of the app's log file (attach it to a problem report)")
        self.caches_action = self._action("mdi6.harddisk", "&Caches and disk space…", self.show_cache_dialog, None,
                                          "What the caches of photo features and thumbnails take, and freeing it")
        # the demo is drawn unasked only on a first run (no catalogue at all): renamed or deleted beside others, it
        # came back at every start, opened instead of the catalogue open at quit (trial ER); this brings it back
        self.demo_items = DEMO_ITEMS
        self.demo_action = self._action("mdi6.hanger", "Build the &demo catalogue", lambda: self.start_demo(self.demo_items),
                                        None, "Draw the built-in demo catalogue again and index it (it is not in the "
                                        "index home: deleted or renamed)")
        self.demo_action.setEnabled(False)  # until a listing shows there is none
        # Ctrl+Q (Cmd+Q on macOS) everywhere: the platform's standard Quit key is none on Windows and
        # under some platform themes; and from the index, train or catalogue-manager window in front
        # too (trial K: Ctrl+Q did nothing there). It closes this window, which asks first when work
        # would be lost.
        self.quit_action = self._action("mdi6.exit-to-app", "&Quit", self.close, "Ctrl+Q")
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_search)
        find.setWhatsThis("Search the catalogue by words | Catalogue")  # what Help → Keyboard shortcuts lists
        # straight to the results and to the target category: 7 Tabs from the search box otherwise (trial CY)
        to_results = QShortcut(QKeySequence("Ctrl+R"), self)
        to_results.activated.connect(lambda: self.results.view.setFocus(Qt.FocusReason.ShortcutFocusReason))
        to_results.setWhatsThis("Go to the compatible items (the first one selected) | Window")
        to_target = QShortcut(QKeySequence("Ctrl+T"), self)
        to_target.activated.connect(self._choose_target)
        to_target.setWhatsThis("Choose the target category of the compatible items | Window")
        self.shortcuts_action = self._action("mdi6.keyboard-outline", "&Keyboard shortcuts", self.show_shortcuts,
                                             "F1", "Every key the window answers")
        # Delete in the outfit strip, and in the Outfit menu where a person looks for it (trial M found neither)
        self.remove_action = self._action("mdi6.minus-circle-outline", "&Remove from outfit",
                                          self.outfit_panel.remove_selected, "Delete",
                                          "Take the selected outfit item out of the outfit")
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)  # the text boxes keep Delete
        self.outfit_panel.view.addAction(self.remove_action)
        # Escape stops an explanation's refinement (a trial found no way to), keeping the map so far:
        # from the results and the explanation panel only, so that a dialog's own Escape stays its own
        for widget in (self.results, self.explanation):
            stop = QShortcut(QKeySequence("Escape"), widget)
            stop.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            stop.setWhatsThis("Stop the explanation's refinement (the map so far stays) | Results, explanation panel")
            stop.activated.connect(lambda: self.stop_explanation("you stopped it"))

        # issue 18 point 15: rename, delete, re-sync, show folder (gui/catalogue_manager.py)
        self.manage_action = self._action("mdi6.database-cog-outline", "&Manage catalogues…", self.show_catalogue_manager,
                                          None, "Rename, delete or re-sync the indexed catalogues")
        # issue 19 point 2: a catalogue on a PostgreSQL server (gui/shared_catalogue_dialog.py)
        self.shared_action = self._action("mdi6.server-network", "Open &shared catalogue…", self.show_shared_dialog,
                                          None, "Open a catalogue kept on a PostgreSQL server, by its address")
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for action in (self.index_action, self.shared_action, self.manage_action, self.train_action, self.adapt_action,
                       self.export_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        outfit_menu = menu.addMenu("&Outfit")
        for action in (self.add_action, self.add_image_action, self.remove_action, self.clear_action,
                       self.outfit_panel.undo_action, self.previous_action, self.next_action, self.explain_action):
            outfit_menu.addAction(action)
        # saved outfits (issue 18, point 12): gui/saved_outfits.py does the work
        self.saved_outfits = SavedOutfitsController(self, self)
        self.outfit_panel.cleared_with_undo.connect(lambda items: self.saved_outfits.cleared([i.pk for i in items]))
        self.outfit_panel.undone.connect(lambda _back: self.saved_outfits.undone())
        self.save_outfit_action = self._action("mdi6.content-save-all-outline", "&Save outfit…", self.saved_outfits.save,
                                               "Ctrl+S", "Save the outfit under a name in the catalogue's database")
        self.open_outfit_action = self._action("mdi6.folder-open-outline", "&Open saved outfit…",
                                               self.saved_outfits.open_dialog, "Ctrl+Shift+O",
                                               "Open, rename or delete the outfits saved in this catalogue")
        self.export_outfit_action = self._action("mdi6.file-export-outline", "E&xport outfit…",
                                                 lambda: self.saved_outfits.export(), None,
                                                 "Export the outfit and its suggestions as a PNG or PDF sheet, or CSV")
        # one Outfit menu: an "Outfits" menu beside it read as the same word twice (a new user's try)
        outfit_menu.addSeparator()
        for action in (self.save_outfit_action, self.open_outfit_action, self.export_outfit_action):
            outfit_menu.addAction(action)
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.overlay_action)
        view_menu.addSeparator()
        # every panel can be brought back after it was closed (a dock's own show/hide action)
        panels = view_menu.addMenu("&Panels")
        explanation_toggle = self.explanation_dock.toggleViewAction()
        explanation_toggle.setText("&Explanation panel")
        explanation_toggle.setShortcut(QKeySequence("Ctrl+Shift+E"))
        panels.addAction(explanation_toggle)
        self.filters_toggle = filters_toggle = self.filters_dock.toggleViewAction()
        filters_toggle.setText("&Filters panel")
        filters_toggle.setShortcut(QKeySequence("Ctrl+Shift+F"))
        filters_toggle.setToolTip("Filter the catalogue and the results by category and attribute values")
        themed_icon(filters_toggle, "mdi6.filter-variant")
        panels.addAction(filters_toggle)
        self.panel_actions = [explanation_toggle, filters_toggle]
        view_menu.addSeparator()
        # how many of each category a search lists (trial BY: a list cut at 24, unsaid, read as the whole catalogue)
        per_category = view_menu.addMenu("&Results per category")
        per_category.setToolTip("How many of the best items of each category a search lists")
        per_category.setToolTipsVisible(True)
        group = QActionGroup(self)
        self.per_category_actions: dict[int, QAction] = {}
        for count in RESULTS_PER_CATEGORY:
            action = QAction(f"&{count} best", self, checkable=True)  # mnemonics 1, 2, 4, 9
            action.setChecked(count == self.results_per_category())
            action.triggered.connect(lambda _c=False, n=count: self.set_results_per_category(n))
            group.addAction(action)
            per_category.addAction(action)
            self.per_category_actions[count] = action
        view_menu.addSeparator()
        self.theme_actions = {}
        themes = QActionGroup(self)  # one choice of three: drawn as radio buttons, a checked one stays checked (trial DN)
        for theme, label in (("system", "S&ystem theme"), ("light", "&Light theme"), ("dark", "&Dark theme")):
            action = QAction(label, self, checkable=True)
            action.setChecked(self.settings.get("theme") == theme)
            action.triggered.connect(lambda _c=False, t=theme: self.set_theme(t))
            themes.addAction(action)
            view_menu.addAction(action)
            self.theme_actions[theme] = action
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.log_folder_action)
        help_menu.addAction(self.caches_action)
        help_menu.addAction(self.demo_action)
        help_menu.addAction(self.about_action)
        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setIconSize(QSize(20, 20))
        for entry in (self.index_action, self.train_action, None, self.add_action, self.add_image_action,
                      self.clear_action, None, self.previous_action, self.next_action, self.explain_action,
                      self.overlay_action, self.export_action):
            toolbar.addSeparator() if entry is None else toolbar.addAction(entry)
        toolbar.addSeparator()
        toolbar.addAction(self.filters_toggle)
        self.addToolBar(toolbar)
        toolbar_toggle = toolbar.toggleViewAction()
        toolbar_toggle.setText("&Toolbar")
        panels.addAction(toolbar_toggle)
        self.panel_actions.append(toolbar_toggle)
        # an on/off entry shows its tick in a menu, not its icon: Fusion draws a checkable entry's icon in place of the
        # tick, so View → Panels → Filters panel never said whether it was on (trial ER); the toolbar keeps the icon
        for action in menu_actions(menu):
            if action.isCheckable() and not action.icon().isNull():
                action.setIconVisibleInMenu(False)

    def _build_status_bar(self) -> None:
        self.setStatusBar(LeftToRightStatusBar(self))  # a message opening with an Arabic name stays a left-to-right line
        # plain text: progress messages and device names are data, never markup
        self.activity = ElidedLabel("Starting…")  # elided: a long message never widens the window
        self.device_label = plain_label()
        self.device_label.setToolTip("Where the models and the search index run")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        bar = self.statusBar()
        bar.addWidget(self.activity, 1)
        bar.addPermanentWidget(self.progress)
        self.tile_size = tile_size_slider(int(self.settings.get("tile_size")), self.set_tile_side)
        bar.addPermanentWidget(self.tile_size)
        bar.addPermanentWidget(self.device_label)

    def results_per_category(self) -> int:
        """How many of each category a search lists: the remembered choice, or the nearest offered one to a
        value edited by hand (a settings file's 100000 would list a whole catalogue per search)."""
        remembered = int(self.settings.get("results_per_category"))
        return min(RESULTS_PER_CATEGORY, key=lambda count: (abs(count - remembered), count))

    def set_results_per_category(self, count: int) -> None:
        """View ▸ Results per category: remembered, and the list on screen searched again with it."""
        for number, action in self.per_category_actions.items():
            action.setChecked(number == count)
        if count == self.results_per_category():
            return
        self.settings.set("results_per_category", count)
        self._search_again()

    def set_theme(self, theme: str) -> None:
        for name, action in self.theme_actions.items():
            action.setChecked(name == theme)
        self.settings.set("theme", theme)
        apply_theme(QApplication.instance(), theme)  # type: ignore[arg-type]

    # --- tasks (GUI thread: start and return; the answers arrive in the handlers below) ---------
    def refresh_catalogues(self, select: str | None = None, reopen: bool = True) -> None:
        """List the catalogues again and open ``select`` (else the remembered one); with ``reopen``
        False the open catalogue stays as it is when it is the one selected (the list changed)."""
        if not reopen and self.channels.catalogues.busy and self._select_after_listing:
            # a listing that opens a catalogue is still pending (a folder just indexed): a relist that
            # only keeps the open one never cancels it (trial K: a delete in the manager ending after
            # an index left the new catalogue unopened, unsaid)
            select, reopen = self._select_after_listing, self._reopen_after_listing
        self._select_after_listing = select
        self._reopen_after_listing = reopen
        self.channels.catalogues.start(lambda service, _state: service.list_catalogues(), "Listing catalogues…") \
            .on_done(self._show_catalogues).on_failed(self._report_error)

    def relist_catalogues(self) -> None:
        """List the catalogues again in the worker (the window came back to the front, the switcher
        opens), adding what was indexed elsewhere — ``sane-desktop index`` in a terminal — to the
        switcher. Nothing opens and the choice shown stays; one listing at a time, none while
        another is under way (it would be cancelled) or before a catalogue is open (startup lists)."""
        if self.catalogue is None or self.channels.catalogues.busy or self._reopening_switcher:
            return
        # quiet: a check on every activation says "Listing catalogues…" only when it takes a while
        self.channels.catalogues.start(lambda service, _state: service.scan_catalogues(), "Listing catalogues…",
                                       quiet=True) \
            .on_done(lambda listing: self._merge_catalogues(list(listing.catalogues), listing.unreadable)) \
            .on_failed(lambda message: self.statusBar().showMessage(
                f"Could not list the catalogues: {message}", 10000))  # a background check: no box

    def _merge_catalogues(self, catalogues: list[CatalogueInfo],
                          unreadable: Sequence[UnreadableCatalogue] = ()) -> None:
        """Bring the switcher's entries in line with ``catalogues`` in place: new ones inserted in
        the listing's order, counts updated, vanished ones removed — except the entry shown, so the
        open catalogue, the person's choice and an open popup's highlight stay as they are. ``unreadable``:
        the folders whose database could not be read, and why (one merely unavailable is said so)."""
        self._note_tokens(catalogues)
        names = [info.name for info in catalogues]
        self._offer_demo([*names, *(entry.name for entry in unreadable)])
        if self._follow_rename(catalogues, names):
            return
        switcher = self.catalogue_switcher
        rows_before = switcher.count()
        # locked by another program or on a full disk: whole, its row kept greyed with why (trial CV's vanished
        # at the next look, without a word)
        unavailable = {entry.name for entry in unreadable if entry.passing}
        gone = []
        for row in reversed(range(switcher.count())):
            name = switcher.itemData(row)
            if name and name not in names and row != switcher.currentIndex():
                if name in unavailable and not self._switcher_row_enabled(row):
                    continue  # said when it became so
                if name not in unavailable:
                    switcher.removeItem(row)
                gone.append(name)
        # a name gone whose database (its uid) is listed under one other name was renamed elsewhere: said so
        # (trial BR read "no longer listed: deleted, or its database cannot be read" of a terminal's rename)
        renamed = {}
        for name in gone:
            same = [info.name for info in catalogues if self._uids.get(name) and info.uid == self._uids.get(name)]
            if len(same) == 1:
                renamed[name] = same[0]
        gone = [name for name in gone if name not in renamed]
        said = [f"“{isolated(old)}” was renamed “{isolated(new)}” elsewhere (another window or command)"
                for old, new in reversed(list(renamed.items()))]
        # locked by another program or on a full disk: whole, and back once that passes (trial CT read "deleted,
        # or its database cannot be read" of a lock)
        passing = [entry.name for entry in unreadable if entry.passing and entry.name in gone]
        # the reason (a path, a wait) is the manager's to give: the status bar cut it, and the way on (trial CV)
        said += [f"“{isolated(name)}” cannot be opened now (File → Manage catalogues… says why); it opens again "
                 "once that passes" for name in passing]
        gone = [name for name in gone if name not in passing]
        if gone:  # not silently (trial N: a damaged catalogue just vanished from the switcher)
            listed = ", ".join(f"“{name}”" for name in reversed(gone))
            said.append(f"{listed} {'is' if len(gone) == 1 else 'are'} no longer listed: deleted, or its database cannot "
                        "be read (File → Manage catalogues… says which)")
        if said:
            self.statusBar().showMessage("; ".join(said) + ".", 15000)
        after = sum(1 for row in range(switcher.count()) if not switcher.itemData(row))  # a shared one first
        for info in catalogues:
            text = self._switcher_text(info)
            row = switcher.findData(info.name)
            if row < 0:
                switcher.insertItem(after, qta.icon("mdi6.hanger"), text, info.name)
                row = after
            elif switcher.itemText(row) != text:
                switcher.setItemText(row, text)
            self._enable_switcher_row(row, True, "")
            after = row + 1
        for name in sorted(unavailable - set(names)):
            row = switcher.findData(name)
            if row < 0:
                continue  # never listed in this window: Manage catalogues lists it
            if row != switcher.currentIndex():
                switcher.setItemText(row, left_to_right(f"{isolated(name)} — cannot be opened now"))
                self._enable_switcher_row(row, False, "Locked by another program, or its disk is full: File → Manage "
                                                      "catalogues… says why. It opens again once that passes.")
        current = next((info for info in catalogues if self.catalogue is not None and not self.shared
                        and info.name == self.catalogue.name), None)
        if current is not None and self.catalogue is not None and \
                (current.items, current.outfits) != (self.catalogue.items, self.catalogue.outfits):
            # the open catalogue was re-imported from elsewhere: its grid, the filters' counts and the
            # outfit's items follow the switcher's new count (a trial saw 14 items there, 13 in the sidebar)
            self.catalogue = current
            self.request_items()
            self._read_catalogue_again()
        if switcher.count() != rows_before and switcher.view().isVisible():
            # the open list was sized for the old entries: open it again at its new size (the
            # new entry would hide behind a scroll arrow), without listing once more
            self._reopening_switcher = True
            try:
                switcher.hidePopup()
                switcher.showPopup()
            finally:
                self._reopening_switcher = False

    def _follow_rename(self, catalogues: list[CatalogueInfo], names: list[str]) -> bool:
        """The open catalogue renamed elsewhere (``sane-desktop catalogues rename``, another window's
        manager): its name is gone from the listing and exactly one catalogue has its database's uid.
        It opens again under its new name, with the outfit being built, as a rename in this window's
        manager does (trial AE's switcher kept the old name beside the new one). True when it followed."""
        opened = self.catalogue
        if opened is None or self.shared or not opened.uid or opened.name in names:
            return False
        same = [info.name for info in catalogues if info.uid == opened.uid]
        if len(same) != 1:  # deleted, or copied under two names: not a rename, the search says what it is
            return False
        old, new = opened.name, same[0]
        self._catalogues_managed(old, new)
        self._say_news(f"“{isolated(old)}” was renamed “{isolated(new)}” elsewhere (another window or command): "
                       "opened under its new name.", 15000)
        return True

    def _switcher_row_enabled(self, row: int) -> bool:
        item = self._switcher_item(row)
        return item is None or item.isEnabled()

    def _enable_switcher_row(self, row: int, enabled: bool, why: str) -> None:
        """A catalogue that cannot be opened now stays in the switcher, greyed, ``why`` its tooltip."""
        item = self._switcher_item(row)
        if item is not None and (item.isEnabled() != enabled or item.toolTip() != why):
            item.setEnabled(enabled)
            item.setToolTip(why)

    def _switcher_item(self, row: int) -> QStandardItem | None:
        model = self.catalogue_switcher.model()
        return model.item(row) if isinstance(model, QStandardItemModel) else None

    @staticmethod
    def _switcher_text(info: CatalogueInfo) -> str:
        unfinished = "" if info.indexed else " (not indexed yet)"  # opening it says why, with Re-index
        # its outfits, not its file format (trial CY read "(polyvore)" and "(folder)"; the manager names the format)
        # "styled": the outfits that came with it, not the person's saved ones (trial DF read them as such)
        outfits = f", {counted(info.outfits, 'styled outfit')}" if info.outfits else ""
        return left_to_right(f"{isolated(info.name)} — {counted(info.items, 'item')}{outfits}{unfinished}")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "catalogue_switcher"):
            self._recolour_switcher()  # its icons are the old theme's (trial BN: dark on dark)
        # back from the terminal (or any other app): a catalogue indexed there meanwhile is listed,
        # and a photo put back, replaced or deleted in the file manager meanwhile shows as it is now
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.relist_catalogues()
            if hasattr(self, "saved_outfits"):  # (made after the first events of construction)
                self.saved_outfits.check_linked()  # renamed or deleted in another window meanwhile
            for model in (self.outfit_model, self.results_model, self.browser_model):
                model.recheck_photos()  # costs a dictionary look-up a row: only painted tiles read files
            self._check_results_current()

    def _recolour_switcher(self) -> None:
        """The switcher's icons in the theme's colours: a hanger for a local catalogue, a server for the
        shared one open (its entry holds no name)."""
        switcher = self.catalogue_switcher
        for row in range(switcher.count()):
            switcher.setItemIcon(row, qta.icon("mdi6.hanger" if switcher.itemData(row) else "mdi6.server-network"))

    def _watch_index(self, folder: str) -> None:
        """Watch ``folder`` (the open catalogue's index folder; "" for none) and no other."""
        watched = self._index_watch.directories()
        if watched:
            self._index_watch.removePaths(watched)
        self._index_settle.stop()
        if folder and os.path.isdir(folder):
            self._index_watch.addPath(folder)

    def _index_changed_elsewhere(self) -> None:
        """The index folder changed and has been still for :data:`INDEX_SETTLE_MS`: results found in the
        index it held are searched again when its manifest is another now (this window's own runs
        search again when they end)."""
        if not self._long_run():
            self._check_results_current()

    def _check_results_current(self) -> None:
        """Back at the window: results found in an index rebuilt since — a model trained in another
        window, a terminal's re-index — are searched again, as a click on one of them would, and the
        status bar says why (trial S read the old model's list and explanation until it clicked).
        The index's stamp (one stat) is read on the worker."""
        found_in = self._index_stamp
        if found_in is None or self.catalogue is None or not self._results or self.channels.search.busy:
            return
        opened = self._open_identity()

        def checked(now: tuple[int, int, int] | None) -> None:
            if now != found_in and opened == self._open_identity() and self._index_stamp == found_in \
                    and not self.channels.search.busy:
                self._results_outdated()

        self.channels.stamp.start(lambda service, _state: service.index_stamp(), "Checking the index…") \
            .on_done(checked).on_failed(lambda message: logger.info("index stamp not read: %s", message))

    def _switcher_chose(self, name: str | None) -> None:
        """The switcher's choice: the local catalogue already open is left as it is (a trial lost an
        explanation it had waited 26 s for, told "the outfit changed", by choosing it again)."""
        if name and self.index_dialog is not None and self.index_dialog.running:
            self.index_dialog.chosen_meanwhile = name  # the index's end leaves it open
        if name and self.catalogue is not None and name == self.catalogue.name and not self.shared:
            if self._waiting_open:  # chosen back while the other waited for a long run: it no longer opens
                self.channels.open.discard()
                self.statusBar().showMessage(f"“{isolated(self._waiting_open)}” will not open: “{isolated(name)}” "
                                             "stays open.", 10000)
                self._waiting_open = ""
            return
        self.open_catalogue(name)

    def open_catalogue(self, name: str | None) -> None:
        if name:
            # the one worker opens it: an explanation under way (of the other catalogue) stops first,
            # else the switch waited behind its refinement (a trial: 78 s, the switcher already
            # naming the new catalogue over the old one's items)
            self._cancel_tiles()
            self.stop_explanation("another catalogue was chosen")
            run = self._long_run()
            current = self.catalogue.name if self.catalogue is not None and not self.shared else ""
            if run and current and name != current:
                # an index or a training holds the worker for minutes, and the open waits for it: the
                # window stays on, and names, the catalogue it shows until then (trial AH: the switcher
                # named the new one over the old one's items, and an item added then went into the
                # old one's outfit), and the run's end opens the one chosen, not the one it built
                self._waiting_open = name
                self._show_in_switcher(current)
                self._waiting_words = (f"“{isolated(name)}” opens when {run} ends (one thing runs at a time); "
                                       f"“{isolated(current)}” stays open until then.")
                self.statusBar().showMessage(self._waiting_words, 0)
            self.channels.open.start(lambda service, _state: service.open_catalogue(name), "Opening catalogue…") \
                .on_done(self._catalogue_opened).on_failed(self._open_failed)

    def _open_failed(self, message: str) -> None:
        """A refused open (the choice deleted or renamed meanwhile): the service has the open
        catalogue open again, and the switcher names it again; no choice is left pending (trial AJ's
        window kept saying "“demo_x” will not open" and searched nothing)."""
        self._waiting_open = ""
        if self.catalogue is not None and not self.shared:
            self._show_in_switcher(self.catalogue.name)
        self._report_error(message)

    def _long_run(self) -> str:
        """The long run holding the one worker, in words ("the indexing", "the training"), "" when none."""
        for dialog, words in ((self.index_dialog, "the indexing"), (self.train_dialog, "the training"),
                              (self.adapt_dialog, "the adaptation")):
            if dialog is not None and dialog.running:
                return words
        return "the re-index" if self.channels.build.busy else ""

    def _show_in_switcher(self, name: str) -> None:
        """The switcher's entry shown: ``name``'s (the open catalogue), without choosing it again."""
        row = self.catalogue_switcher.findData(name)
        if row >= 0 and row != self.catalogue_switcher.currentIndex():
            self.catalogue_switcher.setCurrentIndex(row)  # programmatic: ``activated`` is not emitted

    def request_items(self) -> None:
        """The catalogue grid's items (category, text search, the filters' ticks, the chosen order),
        and the filters' counts under the same search, both on the worker."""
        if self.catalogue is None:
            return
        # the list first: it waits for the one worker; the explanation stopped for it goes on once it came (trial DJ
        # typed in the catalogue's search box and read "Explanation stopped", the results unchanged)
        # (kept across lists asked for in a row: typing asks for one per pause, each replacing the last)
        self._resume_after_list = self._explanation_under_way() or self._resume_after_list
        self.stop_explanation("a new list was asked for")
        category, text = self.category_filter.currentData() or "", self.search_box.text()
        item_filter, sort = self.filters.item_filter(), str(self.catalogue_sort.currentData() or "title")
        asked = (self.catalogue.name, category, text, repr(item_filter), sort)
        self._say_waiting("The catalogue's list")

        def listed(items: list[ItemInfo]) -> None:
            self._show_items(items, asked)
            resume, self._resume_after_list = self._resume_after_list, None
            self._resume_explanation(resume)

        self.channels.items.start(lambda service, _state: filtered_items(service.current().items, item_filter,
                                                                         category, text, sort),
                                  "Loading items…") \
            .on_done(listed).on_failure(self._items_failed)
        self.filters.request_counts(category, text)

    def _explanation_under_way(self) -> tuple[int, int | None, tuple[int, ...]] | None:
        """The explanation being computed now: (its result, the outfit item of the pair shown, the outfit), else
        None."""
        if not self.channels.explain.busy or self._last_explained is None:
            return None
        shown = self.explanation.update_data
        pair = shown.outfit_pk if shown is not None and shown.candidate_pk == self._last_explained else None
        return self._last_explained, pair, tuple(self.outfit_model.pks())

    def _resume_explanation(self, stopped: tuple[int, int | None, tuple[int, ...]] | None) -> None:
        """Explain again what :meth:`request_items` stopped, while the outfit and the result are as they were and
        nothing else was asked meanwhile (the fast steps come from the cache; the refinement starts again)."""
        if stopped is None or self.channels.explain.busy:
            return
        pk, pair, outfit = stopped
        if tuple(self.outfit_model.pks()) != outfit or self._last_explained != pk or pk not in self._results:
            return
        self.explain(pk, pair_with=pair)

    def set_title_base(self, text: str) -> None:
        """The window's title: ``text`` (the catalogue), then the saved outfit on screen, if any."""
        self._title_base = text
        self.saved_outfits.show_name()

    def show_outfit_name(self, name: str, changed: bool, images_not_saved: int = 0) -> None:
        """Name the saved outfit being worked on in the title, as an editor names its file ("" : none),
        marked once changed since it was saved or opened, and when images from disk beside it are not saved
        with it; the outfit panel names it too, room allowing."""
        # names isolated: an Arabic catalogue's and outfit's names ran together in the title (trial AF);
        # quoted as every message quotes it: an outfit named "— Party" or "(changed)" read as the title's own words
        mark = (" (changed)" if changed else
                f" (+ {images_not_saved} image{'' if images_not_saved == 1 else 's'} not saved)" if images_not_saved else "")
        self.setWindowTitle(left_to_right(f"{self._title_base} — {quoted(name)}{mark}" if name else self._title_base))
        self.outfit_panel.show_saved_name(name, changed, images_not_saved)

    def _outfit_changed(self, pks: list[int]) -> None:
        """A new outfit: the explanation on screen was of the old one (its pair, its score), so it
        goes, saying why, and the results are searched again. An emptied outfit has no results to
        click: the panel says what to do first (a trial read "click a result" over none)."""
        self._withdraw_undo_words()
        if self.detail_view is not None and self.detail_view.item is not None:  # its button follows the outfit
            self.detail_view.set_in_outfit(self.detail_view.item.pk in pks)
        on_screen = self.explanation.update_data is not None or self.explanation.outfit_data is not None \
            or self.channels.explain.busy
        # Ctrl+Z brings the explanation back with the outfit, once the search lists its result again
        # (trial BM undid a removal and was left with "click a result" over the list it had been reading):
        # the result explained now, else the one explained before the change undone
        if self.outfit_panel.undoing:
            self._explain_when_listed = self._last_explained if on_screen else self._explained_before_change
            self._explained_before_change = None
        else:
            self._explained_before_change = self._last_explained if on_screen else None
        if on_screen:
            self._discard_explanation()
            self.explanation.clear("The outfit changed: click a result to see why it matches the new outfit." if pks
                                   else EMPTY_OUTFIT_WORDS)
        elif pks and self.explanation.status.text() == EMPTY_OUTFIT_WORDS:
            # items came back into an outfit the panel had called empty (a re-sync clears the outfit,
            # then restores it: a trial read "The outfit is empty" beside 4 items and their results)
            self.explanation.clear()
        if self._remember_outfit and self.catalogue is not None and not self.shared:
            remember(self.settings, self.catalogue, self.outfit_model.items())
            self._check_settings_written()
        self.request_search()

    def stop_explanation(self, why: str) -> bool:
        """Stop the explanation under way (its refinement holds the one worker: a trial's new list
        waited 15-19 s behind it); the panel keeps what it has and says so. False when none runs."""
        if not self.channels.explain.busy:
            return False
        self._discard_explanation()
        self.explanation.stopped(why)
        return True

    def _discard_explanation(self) -> None:
        """Drop the explanation task, and its tile's "explaining" mark with it (trial J saw the mark
        outlive an outfit change)."""
        self.channels.explain.discard()
        if self._last_explained is not None:
            self.results_model.set_explanation(self._last_explained, "")

    def request_search(self) -> None:
        outfit = self.outfit_model.pks()
        self._writer_poll.stop()  # a new search: it says again whether another run writes the index
        self._cancel_tiles()  # explanations of the old outfit's results are no longer wanted
        self.stop_explanation("a new list was asked for")  # the list first: it waits for the one worker
        self._show_similar_heading(None)
        self._outfit_photos = {}  # until this search says again
        self._other_photos = 0
        self._folder_gone = ""
        self._unsearched = ()
        self._not_ranked = ((), ())
        self.results_model.outfit_titles = {item.pk: item.title for item in self.outfit_model.items()}
        self.results_model.outfit_categories = {item.pk: item.category for item in self.outfit_model.items()}
        self.results_model.colour_slots = dict(self.outfit_model.colour_slots)  # the bars wear the tiles' colours
        if not outfit:
            self.channels.search.discard()
            if self.statusBar().currentMessage() == OUTDATED_SEARCHING:  # that search is dropped: so are its words
                self.statusBar().clearMessage()  # (trial BJ read them 20 s after the outfit was cleared)
            self.results_model.clear()
            self._results = {}
            if self.outfit_panel.restoring:
                self.results.show_message(RESTORING_RESULTS)
            else:
                self._show_empty_outfit()
            self._note_results()  # nothing listed: no word on what the last list left out (trial BF)
            return
        self._note_results()  # the last list's "Not listed: …" is not this search's (trial BF read it after a refusal)
        self.results.show_message(self._searching_words())
        target, k = self.results.current_target(), self.results_per_category()
        item_filter = self._results_filter()
        categories = tuple(dict.fromkeys(item.category for item in self.outfit_model.items()))
        photos = {item.pk: item.content_hash for item in self.outfit_model.items() if item.pk >= 0}
        self._say_waiting("The search")
        self.channels.search.start(lambda service, state: _outfit_search(service, outfit, target, k, state.should_stop,
                                                                         item_filter, categories, photos),
                                   "Searching compatible items…") \
            .on_done(self._show_outfit_results).on_failure(self._search_failed)

    def _searching_words(self) -> str:
        """"Searching…", or, while a long run holds the worker (it does one thing at a time), when the
        search will start (a trial waited 30 s on "Searching…" without knowing why)."""
        after = {"training a model": "the training", "adapting the model": "adapting the model",
                 "indexing a catalogue folder": "the indexing", "re-indexing the catalogue": "the re-index",
                 "preparing the demo catalogue": "the demo catalogue is ready"}
        work = self.long_work()
        return f"Searching as soon as {after.get(work, work)} ends (one task at a time)…" if work else "Searching…"

    def request_tiles(self, rows: list[int] | None = None) -> None:
        """Fast, batched explanations of the visible result tiles that have none yet; a newer task
        (scrolling on, a new outfit) stops the older one at its next batch."""
        rows = self.results.visible_rows() if rows is None else rows
        pairs = []
        for pk in self.results_model.unexplained(rows):
            best = self._results[pk].best_outfit_item() if pk in self._results else None
            if best is not None:
                pairs.append((pk, best))
        if pairs and self.channels.tiles.busy and set(pairs) <= self._tile_pairs:
            return  # already being explained: restarting would only lose work
        self._cancel_tiles()
        if pairs:
            self._tile_pairs = set(pairs)
            self.channels.tiles.start(explain_tasks.explain_tiles(pairs, self.explanation.colour_map.currentText(),
                                                                  general=self._similar_to is not None,
                                                                  index_stamp=self._index_stamp),
                                      "Explaining visible results…") \
                .on_partial(self._show_tiles).on_failure(self._tiles_failed)

    def _cancel_tiles(self) -> None:
        self.channels.tiles.discard()

    def set_tile_overlays(self, shown: bool) -> None:
        self.overlay_action.setChecked(shown)
        self.results.delegate.show_overlays = shown
        self.settings.set("tile_overlays", int(shown))
        self.results.view.viewport().update()

    def _result_hovered(self, pk: int | None, say: bool = True, explained_too: bool = True) -> None:
        """The outfit tiles' badges: each item's points in the match of the result under the pointer
        (``pk``), else of the result whose explanation is on screen (unless not ``explained_too``),
        else none; the status bar says what they are while a result is pointed at (``say``)."""
        result = self._results.get(pk) if pk is not None else None
        self._hovered = pk if result is not None else None
        explained = self.explanation.shown_candidate() if explained_too else None
        badges = result if result is not None else self._results.get(explained) if explained is not None else None
        # an outfit item not compared with it (a space the model never learnt) adds nothing: no badge
        shares = ({pk: part for pk, part in badges.contributions.items() if pk not in badges.not_compared}
                  if badges is not None else None)
        self.outfit_model.set_highlight(shares)
        if not say:
            return
        parts = [shares[pk] for pk in self.outfit_model.pks() if pk in shares] if shares else []
        look_alike = result is not None and (result.general or result.item.category in self._look_alike)
        points = list(badge_points(result, self.outfit_model.pks()).values()) if result is not None else []
        self._say_points(result.item.title or result.item.item_id if result is not None else None,
                         points, look_alike, parts)

    def _say_points(self, title: str | None, points: list[int], look_alike: bool,
                    shares: Sequence[float] = ()) -> None:
        """The status bar says what the outfit tiles' badges are while the result ``title`` is pointed
        at: the points of its 0–100 match each compared item adds, in the strip's order, summed from 50
        (trial P found "+9" explained only in a tooltip; the outfit's header elided it at 900 px). Like
        a menu's status tip it is a temporary message: it replaces no other message, and goes with
        the pointer."""
        bar = self.statusBar()
        shown = bar.currentMessage()
        ours = bool(shown) and shown == self._points_said
        if title is None or not points:
            if ours:
                bar.clearMessage()
            return
        if shown and not ours:
            return  # another message is being read
        # the sum first: a narrow window elides the title, not the figures
        terms = badge_terms(points, shares)
        kind = "Looks alike" if look_alike else "Match"
        # 50 is neutral, where every match starts: an unrelated pair (trial W asked what the 50 was; trial CD read
        # "50 (unrelated)" as half the match being unrelated to the outfit)
        self._points_said = (f"{kind} {50 + sum(points)}/100 = 50 (neutral) {terms}: the outfit's badges, the points each "
                             f"item adds to “{title}”")
        bar.showMessage(self._points_said)

    def explain(self, candidate_pk: int, pair_with: int | None = None) -> None:
        """Explain a result: the outfit's reason first (issue 17), then its pair view with the
        outfit item it matches best, or with ``pair_with`` (an outfit item's row: the drill-down)."""
        result = self._results.get(candidate_pk)
        outfit = self.outfit_model.pks()
        best = result.best_outfit_item() if result is not None else None
        if result is None or not outfit and not (result.general and best is not None):
            return
        # a "visually similar" result is explained with the item it is similar to (in no outfit)
        outfit_pk = best if best is not None and (best in outfit or result.general) else outfit[0]
        if pair_with is not None and pair_with in outfit:
            outfit_pk = pair_with
        # an outfit item whose photo changed since indexing cannot be explained (its photo is not the one
        # scored), nor can the outfit's reason, which maps every item: the pair with the item carrying the
        # most of those unchanged, and the line under the results says why (trial N: one changed photo
        # left every result unexplained, though an unchanged item carried most of the match)
        changed = set(self._outfit_photos) & set(outfit) if not result.general else set()
        unchanged = [pk for pk in outfit if pk not in changed]
        partial_outfit = bool(changed) and bool(unchanged)
        if partial_outfit and pair_with is None:  # a row clicked is that pair, asked for: it says why it fails
            outfit_pk = best_compared(result.contributions, result.not_compared | changed) or unchanged[0]
        shown = self.explanation.outfit_data  # a drill-down keeps the outfit's reason on screen
        drill_down = pair_with is not None and shown is not None and shown.candidate.pk == candidate_pk
        on_screen = self.explanation.update_data
        if drill_down and on_screen is not None and on_screen.final and not self.channels.explain.busy \
                and (on_screen.candidate_pk, on_screen.outfit_pk) == (candidate_pk, outfit_pk):
            return  # that pair is the one shown, finished: nothing to redo
        if self.channels.explain.busy and self._last_explained not in (None, candidate_pk):
            self.results_model.set_explanation(self._last_explained, "")  # its explanation stops here
        self._last_explained = candidate_pk
        self._explained_like = self._similar_to if result.general else None
        self.explanation_dock.show()  # a closed panel comes back when asked for an explanation
        self.explanation_dock.raise_()
        self.explanation.show_pending(result.item.title, candidate_pk)
        self.explanation.set_result_line(result_line(result, result.item.category in self._look_alike))
        # an earlier message ("Saved the explanation to …") would hide the progress of this one (a trial)
        self.statusBar().clearMessage()
        if partial_outfit and not drill_down:
            subject, _plural = photos_of([item.title or item.item_id for item in self.outfit_model.items()
                                          if item.pk in changed])
            self.statusBar().showMessage(f"{subject} changed since indexing: this explains the pair with "
                                         "an unchanged outfit item; re-index for the whole outfit's reason.", 15000)
        self.results_model.set_explanation(candidate_pk, "pending")
        task = explain_tasks.explain(candidate_pk, outfit_pk, self.explanation.colour_map.currentText(),
                                     general=result.general,
                                     outfit=() if drill_down or result.general or partial_outfit else outfit,
                                     revision=self._revision, index_stamp=self._index_stamp)
        self._say_waiting("The explanation")
        self.channels.explain.start(task, "Explaining…") \
            .on_partial(self._show_explanation_step) \
            .on_done(lambda update: self._explained(update, keep_chip=drill_down)) \
            .on_failure(lambda failure: self._explain_failed(failure, drill_down))
        self._note_results()  # a line saying the explanation is of a hidden result no longer holds

    def explain_current(self) -> None:
        """Ctrl+E: explain the selected result (the current one when it is selected, else the one selected),
        when the results are on screen (see ResultsView.step).
        With none, nothing is explained and the status bar says so (trial CP: Ctrl+E explained a result that a
        Ctrl+click had deselected, the tooltip saying "the selected result")."""
        if not self.results.showing_results():
            return
        view = self.results.view
        index, selection = view.currentIndex(), view.selectionModel()
        selected = selection.selectedIndexes()
        if not (index.isValid() and selection.isSelected(index)):  # (arrow keys select as they move)
            index = selected[0] if len(selected) == 1 else QModelIndex()
        if not index.isValid():
            self.statusBar().showMessage("Nothing explained: select one result to explain it" if selected
                                         else "Nothing explained: click a result to explain it", 6000)
            return
        self.explain(int(index.data(Role.ItemPk)))

    def add_selected_to_outfit(self) -> None:
        """Ctrl+Enter, Outfit → Add to outfit: the selected results when the results have the focus
        (trial G's Ctrl+Enter on a result added the catalogue grid's selection, out of sight), else
        the catalogue grid's selection."""
        view = self.results.view if self.results.view.hasFocus() else self.grid
        pks = [int(i.data(Role.ItemPk)) for i in view.selectionModel().selectedIndexes()]
        if not pks:  # said, as Explain says it (trial EK's Ctrl+Enter from the category box did nothing, silently)
            where = "the results" if view is self.results.view else "the catalogue"
            self.statusBar().showMessage(f"Nothing added: select an item in {where} first (Tab or a click reaches it)",
                                         6000)
            return
        self.add_to_outfit(pks)

    def add_to_outfit(self, pks: list[int]) -> None:
        items = self.items_by_pk(pks)
        there = set(self.outfit_model.pks())
        already = [item for item in items if item.pk in there]
        self.outfit_panel.add_items(items)
        same_kind = self._same_kind_words([item for item in items if item.pk not in there])
        if already:  # said: a trial pressed Ctrl+Enter on an item of the outfit and nothing happened
            added = len({item.pk for item in items} - there)
            said = (f"“{already[0].title}” is already in the outfit" if len(already) == 1
                    else f"{counted(len(already), 'item')} already in the outfit")
            self.statusBar().showMessage(f"{'Added ' + counted(added, 'item') + '; ' if added else ''}{said}."
                                         f"{' ' + same_kind if same_kind else ''}", 8000 if same_kind else 5000)
        elif same_kind:
            self.statusBar().showMessage(same_kind, 8000)

    def _same_kind_words(self, added: Sequence[ItemInfo]) -> str:
        """What an outfit holding two items of one category now does, when ``added`` (just joined) made it so: ""
        otherwise. Trial ED's second skirt joined without a word; the search matches each result with both, and
        skirts are listed after what completes the outfit, as alternatives (a match pairs different kinds)."""
        counts: dict[str, int] = {}
        for item in self.outfit_model.items():
            counts[item.category] = counts.get(item.category, 0) + 1
        doubled = [category for category in dict.fromkeys(item.category for item in added) if counts.get(category, 0) > 1]
        if not doubled:
            return ""
        category = doubled[0]
        count = counts[category]
        # short, to fit the status bar of an 800-pixel window (trial EE read "…, and the cat…"); that the others of that
        # kind are alternatives, not matches, the target box and the results' note say. The noun in quotes: a
        # user's category may be singular
        return (f"{counted(count, 'item')} of “{category_noun(category)}” in your outfit now: each result is matched "
                f"with {'both' if count == 2 else f'all {count}'}.")

    def items_by_pk(self, pks: list[int]) -> list[ItemInfo]:
        known = {**self._items, **{pk: r.item for pk, r in self._results.items()}}
        return [known[pk] for pk in pks if pk in known]

    def choose_images(self) -> None:
        # here, not at the top: the catalogue package loads numpy and PIL, after the window is up
        from sane_desktop.catalogue.detect import IMAGE_SUFFIXES

        suffixes = " ".join(f"*{suffix}" for suffix in sorted(IMAGE_SUFFIXES))
        files, _ = QFileDialog.getOpenFileNames(self, "Add images to the outfit", start_folder(str(self.settings.get("image_folder"))),
                                                f"Images ({suffixes});;All files (*)")
        if files:
            self.settings.set("image_folder", str(Path(files[0]).parent))
        self._files_dropped(files)

    def _files_dropped(self, files: list[str]) -> None:
        """Images from disk: the worker guesses each one's category, the user confirms it, the
        worker embeds it, and it joins the outfit like a catalogue item."""
        if self.catalogue is None:
            message_box(self, "Add an image", "Open a catalogue first: its model embeds the image.",
                        QMessageBox.Icon.Information)
            return
        self._pending_files += list(files)
        self._next_file()

    def _web_images_dropped(self, addresses: list[str]) -> None:
        """Images dragged from a web page arrive as addresses: nothing is downloaded (the app never
        goes on the network), so they are said, not added and not dropped without a word."""
        more = f" and {counted(len(addresses) - 1, 'other')}" if len(addresses) > 1 else ""
        where = f"{elided_address(addresses[0])}{more} {'are' if more else 'is'} on the web"
        message_box(self, "Add an image", f"Not added: {where}, and SANE Desktop never downloads. Save the image "
                    "to your computer, then drop the saved file here (or use Add image…, Ctrl+I).",
                    QMessageBox.Icon.Information)

    def _next_file(self) -> None:
        busy = self.channels.guess.busy or (self.category_dialog is not None and self.category_dialog.isVisible())
        if self._pending_files and not busy:
            path = Path(self._pending_files.pop(0))
            # the first guess in a catalogue reads a sample of its photos (seconds): progress in the status bar
            self.channels.guess.start(lambda service, state: service.guess_category(
                path, progress=state.progress, should_stop=state.should_stop), "Reading the image…") \
                .on_done(self._ask_category).on_failed(self._guess_failed)

    def _ask_category(self, guess: CategoryGuess) -> None:
        # the very photo of an outfit item (a catalogue item's file, or one added before): not a second copy
        # whose share doubles that item's weight in every score (trial CB: a skirt's file added beside the skirt)
        twin = next((item for item in self.outfit_model.items()
                     if guess.content_hash and item.content_hash == guess.content_hash), None)
        if twin is not None:
            self.statusBar().showMessage(f"Not added: {Path(guess.path).name} is the photo of “{twin.title}”, "
                                         "already in the outfit.", 8000)
            QTimer.singleShot(0, self._next_file)
            return
        self.category_dialog = CategoryDialog(guess, self)
        # the photo previewed is the one added: a file replaced while the dialog is open is refused
        self.category_dialog.chosen.connect(
            lambda path, category: self.add_image(path, category, guess.content_hash))
        self.category_dialog.finished.connect(lambda _r: QTimer.singleShot(0, self._next_file))
        self.category_dialog.open()

    def add_image(self, path: str, category: str, content_hash: str = "") -> None:
        """Embed an image from disk as an item of ``category``; it then joins the outfit.
        ``content_hash``: the bytes the user saw (the category dialog's preview); other bytes are refused."""
        self.tasks.start(lambda service, _state: service.add_image(Path(path), category, content_hash),
                         "Embedding the image…").on_done(self._image_added).on_failed(self._report_error)

    # --- "Find visually similar" --------------------------------------------------------------
    def item_menu(self, view: QListView, pos: QPoint) -> QMenu | None:
        """The context menu of the item at ``pos`` in ``view`` (the catalogue grid, the results or the outfit)."""
        index = view.indexAt(pos)
        if not index.isValid():
            return None
        pk = int(index.data(Role.ItemPk))
        menu = QMenu(self)
        # what a double-click does, first: a stylist's right-click looked for it (the menu had only
        # the research-like entries)
        # each entry with a letter of its own, as the menu bar's (trial CY)
        if pk in self.outfit_model.pks():
            outfit = menu.addAction(qta.icon("mdi6.minus-circle-outline"), "&Remove from outfit")
            outfit.setStatusTip("Take this item out of the outfit")
            outfit.triggered.connect(lambda _checked=False: self._remove_from_outfit(pk))
        else:
            outfit = menu.addAction(qta.icon("mdi6.plus-box-outline"), "&Add to outfit")
            outfit.setStatusTip("Put this item in the outfit (double-click or Ctrl+Enter)")
            outfit.triggered.connect(lambda _checked=False: self.add_to_outfit([pk]))
        action = menu.addAction(qta.icon("mdi6.image-search-outline"), "Find visually &similar")
        action.setStatusTip("Show the catalogue items that look most like this one")
        action.triggered.connect(lambda _checked=False: self.find_similar(pk))
        if view is self.results.view and self.results.showing_results():
            # what a click on a result does, from the keyboard's menu too (trial CY looked for it there)
            why = menu.addAction(qta.icon("mdi6.lightbulb-on-outline"), "&Why does it match?")
            why.setStatusTip("See why this result matches the outfit (click it, or Enter)")
            # the result right-clicked becomes the selected one, as a click makes it (trial DF: another stayed
            # selected, for Ctrl+Enter and Enter to act on)
            why.triggered.connect(lambda _checked=False: self._select_result_and_explain(pk))
        details = menu.addAction(qta.icon("mdi6.card-text-outline"), "&Details…")
        details.setStatusTip("The item's photo and everything the catalogue says about it (Space)")
        details.triggered.connect(lambda _checked=False: self.show_details(pk))
        return menu

    def _choose_target(self) -> None:
        """Ctrl+T: the "for" box, its list open (arrows and Enter choose)."""
        self.results.target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.results.target.showPopup()

    def _select_result_and_explain(self, pk: int) -> None:
        """The result ``pk`` current and selected, as a click leaves it, and explained (when it is still listed)."""
        view, model = self.results.view, self.results_model
        row = next((r for r in range(model.rowCount()) if model.index(r, 0).data(Role.ItemPk) == pk), None)
        if row is not None:
            view.selectionModel().setCurrentIndex(model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.explain(pk)

    def focus_search(self) -> None:
        """Ctrl+F: the search box, its words selected, so that typing replaces them (trial CY typed "top" after
        "chevron" and searched "chevrontop")."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def first_hit(self) -> None:
        """The catalogue grid's first item, current and selected, the keyboard in the grid (Down or Enter in
        the search box); after a search still to run, once it has listed its items."""
        if self._search_timer.isActive() or self.channels.items.busy:
            self._search_timer.stop()
            self.request_items()
            self._first_hit_when_listed = True
            return
        self._to_first_hit()

    def _to_first_hit(self) -> None:
        self._first_hit_when_listed = False
        self.grid.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.browser_model.rowCount():
            first = self.browser_model.index(0, 0)
            self.grid.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.grid.scrollTo(first)

    def show_shortcuts(self) -> ShortcutsDialog:
        """Help → Keyboard shortcuts: the keys read off the window's menus and shortcuts (one dialog,
        brought to the front again: the menus do not change while the window lives)."""
        if self.shortcuts_dialog is None:
            self.shortcuts_dialog = ShortcutsDialog(self, self.menuBar())
        self.shortcuts_dialog.show()
        self.shortcuts_dialog.raise_()
        self.shortcuts_dialog.activateWindow()
        return self.shortcuts_dialog

    def _remove_from_outfit(self, pk: int) -> None:
        self.outfit_panel.remove_with_undo([pk])  # said by _say_removed

    def _say_removed(self, removed: list[ItemInfo]) -> None:
        """The person took ``removed`` out of the outfit: say which, and that Ctrl+Z brings them back."""
        what = f"“{removed[0].title or removed[0].item_id}”" if len(removed) == 1 else f"{len(removed)} items"
        them = "it" if len(removed) == 1 else "them"
        self._undo_said = f"Took {what} out of the outfit — Ctrl+Z brings {them} back."
        self.statusBar().showMessage(self._undo_said, UNDO_OFFER_MS)

    def _say_cleared(self, cleared: list[ItemInfo]) -> None:
        """The person's Clear: said, in place of a Remove's offer Ctrl+Z no longer answers first (trial CK read
        "Took … out — Ctrl+Z brings it back" after a Clear)."""
        them = "it" if len(cleared) == 1 else f"all {len(cleared)}"
        self._undo_said = f"Cleared the outfit — Ctrl+Z brings {them} back."
        self.statusBar().showMessage(self._undo_said, UNDO_OFFER_MS)

    def _say_undone(self, back: list[ItemInfo]) -> None:
        what = f"“{back[0].title or back[0].item_id}”" if len(back) == 1 else f"{len(back)} items"
        self._undo_said = ""
        self.statusBar().showMessage(f"Brought {what} back into the outfit." if back else "", 5000)

    def _withdraw_undo_words(self) -> None:
        """The offer of Ctrl+Z is gone (the outfit changed otherwise): its words go too (trial BF read
        "Ctrl+Z brings it back" after an item was added, when Ctrl+Z did nothing)."""
        if self._undo_said and not self.outfit_panel.undo_offered:
            if self.statusBar().currentMessage() == self._undo_said:
                self.statusBar().clearMessage()
            self._undo_said = ""

    def _build_item_menus(self) -> None:
        """Right-click an item (catalogue grid, results): add it to (or take it out of) the outfit,
        "Find visually similar", "Details…"."""
        self._item_menu_events = ItemMenuEvents(self)
        for view in (self.grid, self.results.view, self.outfit_panel.view):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(lambda pos, v=view: self._item_context_menu(v, pos))
            view.viewport().installEventFilter(self._item_menu_events)  # the menu leaves the selection be
            # the keyboard's context-menu keys open the menu of the current item, at that item (trial G:
            # Shift+F10 did nothing; the Menu key's event was placed at the view's corner). The Menu key
            # arrives as a keyboard context-menu event (taken by the filter: a shortcut on it as well
            # opened two menus, trial I); Shift+F10 does not on X11, so it has a shortcut.
            view.installEventFilter(self._item_menu_events)
            shortcut = QShortcut(QKeySequence("Shift+F10"), view, context=Qt.ShortcutContext.WidgetShortcut)
            shortcut.setWhatsThis("Open the item's menu | Catalogue, results, outfit")
            shortcut.activated.connect(lambda v=view: self.keyboard_item_menu(v))

    def keyboard_item_menu(self, view: QListView) -> QMenu | None:
        """The current item's context menu, opened by the keyboard at that item, its first entry active."""
        index = view.currentIndex()
        if not index.isValid():
            return None
        view.scrollTo(index)
        menu = self._item_context_menu(view, view.visualRect(index).center())
        if menu is not None and menu.actions():
            menu.setActiveAction(menu.actions()[0])
        return menu

    def _item_context_menu(self, view: QListView, pos: QPoint) -> QMenu | None:
        menu = self.item_menu(view, pos)
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(view.viewport().mapToGlobal(pos))
        return menu

    def find_similar(self, pk: int) -> None:
        """Show the items that look most like item ``pk`` (cosine of the general embeddings) in the
        results, of the item's own category, under a heading that says so; a click explains one in
        that same general space. The next outfit search brings the compatible items back. Not the
        results' target: trial M's "Find visually similar" on a knit top, with the results showing
        shoes, listed shoes (and with "All categories", a skirt and sandals before any top)."""
        item = next(iter(self.items_by_pk([pk])), None)
        if item is None or self.catalogue is None:
            return
        self._cancel_tiles()
        self._show_similar_heading(item)
        self._outfit_photos, self._other_photos, self._folder_gone = {}, 0, ""  # until this search says its own
        self._unsearched = ()
        self._not_ranked = ((), ())
        self.results_model.outfit_titles = {item.pk: item.title}
        self.results_model.outfit_categories = {item.pk: item.category}
        self.results_model.colour_slots = {}
        self.results.show_message("Searching…")
        # its own category when that is a target here (an image from disk may carry none that is)
        target = item.category if self.results.target.findData(item.category) >= 0 else ""
        k = self.results_per_category()
        item_filter = self._results_filter()
        self.channels.search.start(lambda service, state: _similar_search(
            service, pk, target, k, state.should_stop, item_filter), "Finding visually similar items…") \
            .on_done(self._show_similar_results) \
            .on_failure(self._search_failed)

    def _show_similar_results(self, found: OutfitResults) -> None:
        """Likenesses: "≈N" on a grey bar, as the panel says."""
        self._outfit_photos = dict(found.outfit_photos_changed)  # the item's own photo: said under the list
        self._other_photos = found.other_photos_changed
        self._folder_gone = found.folder_gone
        self._unsearched = found.unsearched
        self._foreign_reasons = found.foreign_reasons
        self._more = found.more
        self._show_results(found.results, frozenset(category for category, listed in found.results.items() if listed),
                           found.index_stamp)

    def _open_catalogue_name(self) -> str:
        """The local catalogue open now, by the name it has ("" for none, or a shared one): renamed in the catalogue
        manager, its new name at once, before it has reopened under it (trial DO found Delete… enabled for it)."""
        if self.catalogue is None or self.shared:
            return ""
        if self._renamed is not None and self._renamed[0] == self.catalogue.name:
            return self._renamed[1]
        return self.catalogue.name

    def _set_heading(self, markup: str, tip: str = "") -> None:
        """The results' heading (our markup) and its tooltip (none unless given: a heading never keeps
        another's)."""
        self.results.set_heading(markup, tip)

    def _show_similar_heading(self, item: ItemInfo | None) -> None:
        """The results' heading: "Visually similar items" for ``item``, else the compatible items';
        the line under it names the item and how they are ranked (trial G read the item's name twice,
        in the heading and in the line)."""
        self._similar_to = item
        self.results.set_category_choice(item is None)
        none_learnt = item is None and not self._matches_learnt
        elsewhere = item is None and not self._has_outfits and not none_learnt
        self._set_heading(SIMILAR_HEADING if item is not None else NO_MATCHES_HEADING if none_learnt
                          else ELSEWHERE_HEADING if elsewhere else COMPATIBLE_HEADING,
                          NO_MATCHES_HINT if none_learnt else ELSEWHERE_HINT if elsewhere else "")
        # the visible line under the heading (issue 18 finding: it was only in the status bar)
        self.results.set_similar_heading("" if item is None else self._similar_line(item))
        if item is not None:
            self.statusBar().showMessage(f"Visually similar to {item.title or item.item_id}", 5000)
        self._note_results()  # the way back to the outfit's items follows the mode

    def _similar_order_changed(self, _sort: str) -> None:
        if self._similar_to is not None:  # the line says the order shown
            self.results.set_similar_heading(self._similar_line(self._similar_to))

    def _similar_line(self, item: ItemInfo) -> str:
        """The line under "Visually similar items": the item, how they are ranked, and their order on screen when
        it is not that rank (trial DJ read "ranked by looks alone" over #22 first, the list sorted by title)."""
        line = (f"Similar to “{item.title or item.item_id}” ({item.category}): ranked by looks alone, not by what "
                "goes with your outfit")
        if self.results.sort.currentData() == "score":
            return line
        shown = self.results.sort.currentText().casefold()
        return f"{line}; shown by {shown} (Sort: {LIKENESS_SORT_LABEL} for the closest first)"

    def _show_all_by_looks_heading(self, outfit_categories: list[str]) -> None:
        """An outfit whose every item is of a category the model has no matches learnt for (a trial:
        one accessory): each result's score is how much it looks like the outfit, so the results are
        look-alikes whatever their own category, and the heading and line say so."""
        self._set_heading(LOOK_ALIKE_HEADING)
        names = _listed([category_noun(category) for category in outfit_categories])
        self.results.set_similar_heading(
            f"No matches learnt for your {names}: look-alikes, not compatibility picks.",
            f"The model has no matches learnt for {names}: every result here is scored by how much it looks like "
            "your outfit's items (visual similarity), not by how well it goes with them.")

    def _show_look_alike_heading(self, general: list[str], shown: list[str], outfit_by_looks: Sequence[str] = ()) -> None:
        """An outfit search's heading, from the categories the worker found ranked in the general
        space (``general``, of those ``shown``): the model has no matches learnt for them, so their
        items are there because they look like the outfit's, not because they go with it. Every
        shown category so: "Items that look like your outfit"; some: the compatible items' heading,
        the line under it naming those; none: as before (no line). ``outfit_by_looks``: the outfit's
        own categories the model has no matches learnt for — where compatibility lists are shown, the
        line says those items count by looks (their share of every score is a visual similarity)."""
        lines, hints = [], []
        if general:
            if set(shown) <= set(general):
                self._set_heading(LOOK_ALIKE_HEADING)
            names = _listed([category_noun(category) for category in general])
            these = "these" if set(shown) <= set(general) else "its items here" if len(general) == 1 else "their items here"
            # short enough to read whole in the results' column of a 1200-pixel window; the full sentence in its tooltip
            lines.append(f"{names}: no matches learnt — look-alikes, not compatibility picks"
                         + ("." if set(shown) <= set(general) else ", listed last."))
            hints.append(f"The model has no matches learnt for {names}: {these} look like your outfit's items "
                         "(visual similarity), they are not compatibility picks.")
        if outfit_by_looks and not set(shown) <= set(general):  # compatibility lists, partly ranked by looks
            nouns = [category_noun(category) for category in outfit_by_looks]
            names = _listed(nouns)
            lines.append(f"Your {names} {'count' if _plural(nouns) else 'counts'} by looks.")
            hints.append(f"The model has no matches learnt for {names}: in every score, their share is how much "
                         "the result looks like them (visual similarity), not how well it goes with them.")
        if lines:  # request_search already put the compatible items' heading back and hid the line
            self.results.set_similar_heading(" ".join(lines), " ".join(hints))

    # --- filters, sort, thumbnail size, details (issue 18, points 13 and 16) --------------------
    def _build_filter_wiring(self) -> None:
        """Remembered choices back on screen, then the signals (restoring them searches nothing)."""
        self.results.set_threshold(0)  # each catalogue's own, once it opens (_restore_ticks)
        # remembered as typed (the search waits for the typing to settle; a switch of catalogue meanwhile kept it
        # for the next catalogue)
        self.results.threshold.valueChanged.connect(self._remember_threshold)
        self.results.set_sort(str(self.settings.get("results_sort")))
        self.results.sort_changed.connect(lambda sort: self.settings.set("results_sort", sort))
        self.results.sort_changed.connect(self._similar_order_changed)
        self.results.sort_changed.connect(lambda _sort: self._frame_the_explained())  # a sort lists the rows anew
        self.results.threshold_changed.connect(self._threshold_changed)
        self.results.link_activated.connect(self._results_link)
        self.browser_empty.linkActivated.connect(lambda link: self.clear_filters() if link == "clearfilters"
                                                 else self._try_again() if link == "retry"
                                                 else self.category_filter.setCurrentIndex(0) if link == "allcategories"
                                                 else None)
        self._tile_room = TileRoom(self)
        for view in (self.grid, self.results.view):
            view.installEventFilter(self._tile_room)
        self.set_tile_side(self.tile_size.value())
        # plain tooltips; the research terms with the explanation's Details (one remembered switch)
        for model in (self.results_model, self.outfit_model):  # the outfit's badges carry raw parts with Details
            model.details = bool(self.settings.get("explanation_details"))
            self.explanation.details_toggled.connect(lambda shown, model=model: setattr(model, "details", bool(shown)))
        self.explanation.details_toggled.connect(lambda _shown: self.outfit_panel.view.viewport().update())
        self.results.view.doubleClicked.connect(lambda index: self.show_details(int(index.data(Role.ItemPk))))
        self._detail_keys = [DetailKeys(self.grid, (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter),
                                        self.show_details),
                             DetailKeys(self.results.view, (Qt.Key.Key_Space,), self.show_details)]

    def _results_filter(self) -> ItemFilter | None:
        """The results' filter: the sidebar's ticks and "hide matches below" (a shown 0–100 match, as a
        bound on the mean cosine over the outfit items each result is compared with); None when it
        hides nothing."""
        item_filter = self.filters.item_filter(mean_bound(self.results.threshold.value()))
        return item_filter if item_filter.active else None

    def clear_filters(self) -> None:
        """The empty states' "clear filters": untick everything and hide no match by its score."""
        self.results.threshold.setValue(0)  # searches again once the spin box settles
        self.filters.clear()

    def _restore_ticks(self, info: CatalogueInfo) -> None:
        """Tick the Filters panel's values last left ticked in catalogue ``info`` (at once: its first listing
        is filtered already), then ask the worker which of them it still has: a value a re-import removed, or
        a hand-edited one, emptied the grid under a tick "(0)" that no box of the panel could show (trial BI);
        those are said and forgotten."""
        # its own "Hide matches below" (no search: the catalogue's first is to come)
        self.results.set_threshold(remembered_min_match(self.settings, info))
        ticks = remembered_filters(self.settings, info)
        if not ticks:
            return
        self.filters.restore(ticks)

        def values(service: CatalogueService, _state: object) -> dict[str, set[str]]:
            from sane_desktop.service.filters import facets  # the database layer: on the worker

            counts = facets(service.current().items)
            found = {facet.key: {value for value, _n in facet.values} for facet in counts.facets}
            found[CATEGORY_GROUP] = {category for category, _n in counts.categories}
            return found

        self.channels.ticks.start(values, "Reading the remembered filters…", quiet=True) \
            .on_done(lambda found: self._ticks_found(info, ticks, found))

    def _ticks_found(self, info: CatalogueInfo, ticks: dict[str, set[str]], found: dict[str, set[str]]) -> None:
        if self.catalogue is None or (self.catalogue.name, self.catalogue.uid) != (info.name, info.uid) \
                or self.filters.ticks() != ticks:
            return  # another catalogue opened meanwhile, or the person ticked otherwise: theirs stands
        gone = sorted(f"{group.lower()}: {value}" for group, values in ticks.items()
                      for value in values - found.get(group, set()))
        if not gone:
            return
        self.filters.restore({group: values & found.get(group, set()) for group, values in ticks.items()})
        self._filters_changed()  # the grid and the results without them, and only what is left remembered
        self._say_news(f"Remembered filters this catalogue no longer has were left out: "
                       f"{', '.join(gone[:5])}{' …' if len(gone) > 5 else ''}", 15000)

    def _filters_changed(self) -> None:
        if self.catalogue is not None and not self.shared:  # kept for the next run
            remember_filters(self.settings, self.catalogue, self.filters.ticks())
        self.request_items()
        self._search_again()

    def _results_link(self, link: str) -> None:
        """A link in the line under the results' controls: clear the filters, or leave "visually
        similar" for the items that complete the outfit."""
        if link == "clearfilters":
            self.clear_filters()
        elif link == "compatible":
            self.request_search()
        elif link == "reindex":  # an outfit item's photo changed since indexing, a refused index
            self.reindex_catalogue()
        elif link == "searchagain":  # another run was writing the index
            self.request_search()
        elif link == "train":  # the model names no reasons here (_note_results)
            self.show_train_dialog()

    def _remember_threshold(self, value: int) -> None:
        if self.catalogue is not None and not self.shared:  # this catalogue's, for the next time it opens
            remember_min_match(self.settings, self.catalogue, value)

    def _threshold_changed(self, _value: int) -> None:
        self._search_again()

    def _search_again(self) -> None:
        """The results under the new filter: the same kind of search (similar or compatible)."""
        if self._similar_to is not None:
            self.find_similar(self._similar_to.pk)
        elif self.outfit_model.pks():
            self.request_search()

    def _note_results(self) -> None:
        """The line under the results' controls: what the filters hide, and whether the explanation
        on screen is of a result still shown. An explanation of a result the filters now hide stays
        (the outfit, and so the explanation, is the same) and this line says so; a shown one keeps
        its chip's state."""
        parts = []
        several = len({item.category for item in self.outfit_model.items()}) > 1  # one kind is ranked by another
        if self._folder_gone:  # one line, not each photo "no longer in the folder", and the way that works (trial CQ:
            # "Re-index now" then failed on the missing folder)
            these = "these matches" if self._similar_to is None else "these look-alikes"
            parts.append(f"The catalogue's folder, {escape(self._folder_gone)}, is no longer there (moved or renamed?): "
                         f"{these} use the photos as indexed. Index the folder where it is now (File → Index catalogue "
                         "folder…) under this catalogue's name, and let it replace this one.")
        if self._outfit_photos:
            parts.append(self._outfit_photos_words())
        if self._other_photos:
            many, them = self._other_photos != 1, "them" if self._other_photos != 1 else "it"
            parts.append(f"{self._other_photos} other photo{'s' if many else ''} of these categories changed since the "
                         f"catalogue was indexed: ranked as indexed, the list may miss {them} or hold {them} wrongly. "
                         "<a href='reindex'>Re-index now</a> to rank the photos as they are.")
        if self._unsearched:  # items no list here holds (trial Z: a row added by hand was never ranked, without a word)
            parts.append(f"{escape(unsearched_words(self._unsearched))}. <a href='reindex'>Re-index now</a> to include "
                         "them.")
        if self._not_ranked[0] and self._similar_to is None:
            words = not_ranked_words(*self._not_ranked, others=several)
            if words:
                parts.append(escape(words))
        if self._foreign_reasons and self._results:  # said once here, not "no reason named" on every tile (trial BZ)
            train = " <a href='train'>Train a model on this catalogue</a> to name them." \
                if self.train_action.isEnabled() else ""
            parts.append("This model names no reasons here: it learnt them on another catalogue." + train)
        if tied := tied_scores_words([result.score for result in self._results.values()]):
            parts.append(escape(tied[:1].upper() + tied[1:]) + ".")  # trial AJ: 100/100 on every result, unsaid
        if self._similar_to is not None and self.outfit_model.pks():  # the way back (a trial found none)
            parts.append("<a href='compatible'>Back to the items that complete your outfit</a>")
        ticks, bound = self.filters.describe(), self.results.threshold.value()
        if ticks or bound:
            shown = " and ".join(p for p in (escape(ticks), f"matches of {bound}/100 or more" if bound else "") if p)
            parts.append(f"Showing only {shown} — <a href='clearfilters'>clear filters</a>")
        explained = self._last_explained
        on_screen = self.explanation.update_data is not None or self.channels.explain.busy
        if explained is not None and on_screen:
            # the list's kind and the explanation's: a look-alike list under an explanation of a match
            # with the outfit, the way back under a likeness, or look-alikes of another item (trials AH, AJ)
            like = self._explained_like
            same_kind = (like is None and self._similar_to is None) or \
                (like is not None and self._similar_to is not None and like.pk == self._similar_to.pk)
            if explained in self._results and same_kind:
                self.results_model.set_explanation(explained, "pending" if self.channels.explain.busy else "done")
            elif explained in self._results:
                title = self.explanation_title()
                what = (f"its likeness to “{escape(like.title or like.item_id)}”" if like is not None
                        else "its match with your outfit")
                listed = "the items that complete your outfit" if self._similar_to is None else \
                    f"look-alikes of “{escape(self._similar_to.title or self._similar_to.item_id)}”"
                parts.append(f"The explanation on the right is of {what} (“{escape(title)}”), not of the list shown "
                             f"({listed}): click a result to explain it here.")
            else:
                title = self.explanation_title()
                # a look-alike's explanation is of its likeness to an item, not of a match with the outfit (trial P)
                why = (f"it is its likeness to “{escape(like.title or like.item_id)}”" if like is not None
                       else "the outfit is the same")
                parts.append(f"The explanation on the right is of “{escape(title)}”, which is not among the results "
                             f"shown ({why}).")
        self.results.set_filter_note("<br>".join(parts))
        # "All other categories" while the outfit's own kinds are left out of the list of every category, whatever
        # is chosen now: what choosing it would list (trials DJ, DN read "All categories" once a category was chosen)
        listing_all = not self.results.current_target() and self._similar_to is None
        # item keys are one database's: the catalogue open is part of the key (two catalogues' keys can be the same)
        outfit = (self._open_identity(), tuple(sorted(self.outfit_model.pks())))
        if listing_all:
            left_out = [c for c in self._not_ranked[1] if c in self._not_ranked[0]]
            self._left_out_of_all = (outfit, left_out)
        elif self._left_out_of_all[0] == outfit:  # the same outfit's list of every category, as last found
            left_out = self._left_out_of_all[1]
        else:  # not listed yet: the outfit's own categories (the model's kin of them are found when it is)
            own = {item.category for item in self.outfit_model.items()}
            left_out = [category for category in self.results.target_categories() if category in own]
        self.results.name_every_category(left_out if several else [], OWN_KIND_WHY)

    def _outfit_photos_words(self) -> str:
        """The line saying which outfit items' photos (or the look-alikes' own item's) changed since indexing
        (the command line's ``query`` said so, the window did not: trial M searched and explained with a sandal
        whose file held a skirt, without a word), with the way to search them as they are now."""
        titles = {item.pk: item.title or item.item_id for item in self.outfit_model.items()}
        if self._similar_to is not None:  # the look-alikes' own item, in the outfit or not
            titles[self._similar_to.pk] = self._similar_to.title or self._similar_to.item_id
        these = "these matches" if self._similar_to is None else "these look-alikes"
        replaced = [titles.get(pk, "?") for pk, why in self._outfit_photos.items() if why == "replaced"]
        gone = [titles.get(pk, "?") for pk, why in self._outfit_photos.items() if why == "gone"]
        # emptied, unreadable: not "no longer in the folder" (trial CG's emptied photo is there)
        unread = [(titles.get(pk, "?"), why) for pk, why in self._outfit_photos.items()
                  if why not in ("replaced", "gone")]
        lines = []
        if replaced:
            subject, plural = photos_of([escape(t) for t in replaced])
            lines.append(f"{subject} {'were' if plural else 'was'} replaced since the catalogue was indexed: "
                         f"{these} use {'them' if plural else 'the photo'} as indexed.")
        if gone:
            subject, plural = photos_of([escape(t) for t in gone])
            lines.append(f"{subject} {'are' if plural else 'is'} no longer in the catalogue folder: {these} use "
                         f"{'them' if plural else 'the photo'} as indexed.")
        for title, why in unread:
            subject, _plural = photos_of([escape(title)])
            lines.append(f"{subject} can no longer be read ({escape(why)}): {these} use the photo as indexed.")
        return " ".join(lines) + " <a href='reindex'>Re-index now</a> to match the photos as they are."

    def explanation_title(self) -> str:
        """The title of the result the explanation panel is about ("" when unknown)."""
        item = next(iter(self.items_by_pk([self._last_explained])), None) if self._last_explained is not None else None
        return item.title if item is not None else ""

    def _catalogue_sort_chosen(self, sort: str) -> None:
        self.settings.set("catalogue_sort", sort)
        self.request_items()

    def set_tile_side(self, side: int) -> None:
        """Thumbnails of ``side`` pixels in both grids (the slider), as far as each grid has the room
        (:meth:`fit_tiles`); remembered as asked."""
        self.settings.set("tile_size", max(TILE_SIDES[0], min(TILE_SIDES[1], int(side))))
        self.fit_tiles()

    def fit_tiles(self) -> None:
        """Each grid's thumbnails at the slider's side, or narrower where the grid is narrower than a tile
        (trial BE: a large side remembered on a big screen, started on a small one, cut every photo off
        under a sideways scroll bar). Measured without the grid's scroll bar either way, so that its coming
        and going never makes the tiles change size again."""
        wanted = self.tile_size.value()
        delegate = self.grid.itemDelegate()
        if isinstance(delegate, ItemTileDelegate):
            side = tile_side_within(self.grid, wanted)
            if side != delegate.side:
                delegate.set_side(side)
                self.grid.setIconSize(QSize(delegate.side, delegate.side))
                self.grid.doItemsLayout()
        side = tile_side_within(self.results.view, wanted)
        if side != self.results.delegate.side:
            self.results.set_tile_side(side)

    def show_details(self, pk: int) -> None:
        """The detail view of item ``pk`` (a catalogue item or a result): photo and metadata."""
        item = next(iter(self.items_by_pk([pk])), None)
        if item is None:
            return
        if self.detail_view is None:
            self.detail_view = DetailView(self)
            self.detail_view.add_requested.connect(lambda item_pk: self._from_details(item_pk, add=True))
            self.detail_view.remove_requested.connect(lambda item_pk: self._from_details(item_pk, add=False,
                                                                                         remove=True))
            self.detail_view.similar_requested.connect(lambda item_pk: self._from_details(item_pk, add=False))
            # Ctrl+Z brings back what was just removed from this window too (trial BW pressed it in Details: nothing)
            self.detail_view.addAction(self.outfit_panel.undo_action)
        self.detail_view.show_item(item)
        self.detail_view.set_in_outfit(pk in self.outfit_model.pks())
        view = self.detail_view  # its product type and description, read on the worker
        self.channels.details.start(lambda service, _state: service.current().items.text(pk), "Reading the item…") \
            .on_done(lambda text: view.show_text(pk, text)).on_failed(lambda _error: view.show_text(pk, None))

    def _from_details(self, pk: int, add: bool, remove: bool = False) -> None:
        """The detail view's Add/Find similar for its item ``pk``, only while that item is this catalogue's:
        keys are per catalogue, and a view left open across a switch carried a key the next catalogue
        gives another item (its Add put that other item in the outfit)."""
        shown = self.detail_view.item if self.detail_view is not None else None
        current = next(iter(self.items_by_pk([pk])), None)
        if shown is None or current != shown:
            self.statusBar().showMessage("That item is not in the catalogue open now: open its catalogue to use it.",
                                         8000)
            return
        if add:
            self.add_to_outfit([pk])
        elif remove:
            self._remove_from_outfit(pk)
        else:  # the look-alikes are listed in the window: the dialog no longer stands in front of them
            if self.detail_view is not None:
                self.detail_view.hide()
            self.activateWindow()
            self.find_similar(pk)

    def show_cache_dialog(self) -> CacheDialog:
        """Help → Caches and disk space…: measured again each time it is shown (on a thread of its own)."""
        if self.cache_dialog is None:
            self.cache_dialog = CacheDialog(self)
        self.cache_dialog.refresh()  # (not while a removal runs: its end lists them)
        self.cache_dialog.show()
        self.cache_dialog.raise_()
        self.cache_dialog.activateWindow()
        return self.cache_dialog

    def show_catalogue_manager(self) -> CatalogueManager:
        if self.catalogue_manager is None:
            self.catalogue_manager = CatalogueManager(self.tasks, self, self._open_catalogue_name)
            self.catalogue_manager.changed.connect(self._catalogues_managed)
            self.catalogue_manager.ended_unseen.connect(lambda line: self._say_news(line, 15000))
        if not self.catalogue_manager.isVisible() and not self.catalogue_manager.channel.busy:
            self.catalogue_manager.status.setText("")  # the last visit's "Re-synced …" is old news
        self.catalogue_manager.refresh(self.catalogue.name if self.catalogue is not None else "")
        self.catalogue_manager.show()
        self.catalogue_manager.raise_()
        self.catalogue_manager.activateWindow()  # the keyboard in it (trial CY: not, without a window manager)
        return self.catalogue_manager

    def _catalogues_managed(self, old: str, new: str) -> None:
        """Renamed (old, new), deleted (old, "") or re-synced (name, name) in the manager: the switcher
        lists again; the open catalogue, when it was the one changed, opens again (under its new name).
        The outfit kept for a renamed catalogue follows its new name — the one being built too, when
        it is the open one (item keys stay: the database only moved); a deleted one's goes with it."""
        if not new:  # deleted: the outfit remembered for its database can never come back
            forget(self.settings, self._uids.pop(old, ""))
        if old != new:
            kept, uid = self._outfits.pop(old, None), self._outfit_uids.pop(old, None)
            token = self._uids.pop(old, None)
            if new and token is not None:  # its database's token too: a new catalogue under the old name made
                self._uids[new] = token  # "before" the renamed one's, and its outfit was forgotten (trial EU)
            if new and kept is not None:
                self._outfits[new] = kept
                if uid is not None:
                    self._outfit_uids[new] = uid  # renamed: the same database, the same keys
        current = self.catalogue.name if self.catalogue is not None else None
        if new and old != new and current == old and not self.shared:
            self._renamed = (old, new)  # reopened under its new name, with the outfit as it is now
        if current == old and new:
            self.refresh_catalogues(select=new)
        else:
            self.refresh_catalogues(select=current, reopen=False)

    def show_shared_dialog(self) -> SharedCatalogueDialog:
        self.shared_dialog = SharedCatalogueDialog(self.tasks, self.settings, self)
        self.shared_dialog.opened.connect(self._shared_catalogue_opened)
        self.shared_dialog.show()
        return self.shared_dialog

    def _drop_shared_entry(self) -> None:
        """Take the shared catalogue's entry (its data "") out of the switcher: it stands for the shared
        catalogue open now, which choosing it cannot open again without its password (trial R chose it
        after a local one and read its name over the local catalogue's items and scores)."""
        for row in reversed(range(self.catalogue_switcher.count())):
            if not self.catalogue_switcher.itemData(row):
                self.catalogue_switcher.removeItem(row)

    def _shared_catalogue_opened(self, opened: OpenedCatalogue, where: str) -> None:
        """The service has a shared catalogue open: shown as a local one, named in the switcher (one
        entry, while it is open) and the title; its outfit is not carried to or from a local catalogue
        of the same name (item keys are each database's own), and the next start still opens the
        remembered local catalogue."""
        self._catalogue_opened(opened, shared=where)
        self._drop_shared_entry()  # opened again: one entry, not two (trial R)
        self.catalogue_switcher.insertItem(0, qta.icon("mdi6.server-network"),
                                           left_to_right(f"{isolated(opened.info.name)} — on {where}"), "")
        self.catalogue_switcher.setCurrentIndex(0)
        self.set_title_base(f"{isolated(opened.info.name)} (shared, {where})")
        self.train_action.setEnabled(False)  # these build into the index home, not on the server
        self.adapt_action.setEnabled(False)

    def show_index_dialog(self) -> None:
        """The index dialog: the one whose run goes on (shown, or kept running in the background),
        that is open, or that was closed set up before a run (its folder and mapping picks), brought
        back; else a fresh one."""
        dialog = self.index_dialog
        # (a run that ended in the background, unseen: its report, skipped photos and all, is what comes back;
        # trial EX read a fresh dialog, and the photos left out were never said)
        if dialog is not None and (dialog.task is not None or dialog.isVisible() or dialog.set_up_before_a_run
                                   or dialog.ended_unseen):
            if dialog.task is None and not dialog.isVisible() and not dialog.ended_unseen:
                dialog.look_again()  # brought back before its run: its folder looked at again
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()
            return
        self.index_dialog = IndexDialog(self.tasks, self, str(self.settings.get("catalogue_folder")))
        self.index_dialog.indexed.connect(self._folder_indexed)
        self.index_dialog.folder_chosen.connect(lambda folder: self.settings.set("catalogue_folder", folder))
        self.index_dialog.show()
        self.index_dialog.activateWindow()

    def show_adapt_dialog(self) -> None:
        if self.catalogue is not None and not self._show_again(self.adapt_dialog) \
                and not self._other_model_run(self.train_dialog, "training", "adapt"):
            self.adapt_dialog = AdaptDialog(self.tasks, self.catalogue.name, self)
            self.adapt_dialog.model_ready.connect(self._model_ready)
            self.adapt_dialog.show()

    def show_train_dialog(self) -> None:
        if self.catalogue is not None and not self._show_again(self.train_dialog) \
                and not self._other_model_run(self.adapt_dialog, "adapting", "train"):
            self.train_dialog = TrainDialog(self.tasks, self.catalogue.name, self, has_outfits=self._has_outfits)
            self.train_dialog.model_ready.connect(self._model_ready)
            self.train_dialog.show()

    def _then_click(self, news: str, to: str) -> str:
        """The explanation panel's words after ``news``: "click a result to …" while the outfit has items, else what
        to do first (trial EU read "click a result" with an empty outfit and no result to click)."""
        if self.outfit_model.pks() or self.results_model.rowCount() or self._similar_to is not None:
            return f"{news}: click a result to {to}."
        return f"{news}. {EMPTY_OUTFIT_WORDS}"

    def _model_ready(self) -> None:
        """A Train or Adapt run ended: search again, and when it replaced the catalogue's model, forget
        the explanation on screen — it was the old model's (trial AQ read its 82/100 and shares beside
        tiles that the new model scored 100)."""
        dialog = self.sender()
        if getattr(dialog, "model_replaced", False) and self.catalogue is not None \
                and getattr(dialog, "catalogue", None) == self.catalogue.name:
            self.explanation.clear(self._then_click("The catalogue has a new model", "see why it matches now"))
            if isinstance(dialog, TrainDialog) and not self._has_outfits:
                # trained here without outfits: it learnt no matches (the heading spoke of other catalogues')
                self._matches_learnt = False
                if self._similar_to is None:
                    self._show_similar_heading(None)
        self.request_search()

    def _other_model_run(self, dialog: TrainDialog | AdaptDialog | None, running: str, wanted: str) -> bool:
        """True (and ``dialog`` brought back, with a line in the status bar) when ``dialog``'s run
        goes on: two runs would each write the catalogue's model, the later one over the other's."""
        if dialog is None or not dialog.running:
            return False
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.statusBar().showMessage(f"A model is {running} on “{dialog.catalogue}”: {wanted} when it has ended, or "
                                     "cancel it first.", 10000)
        return True

    def _show_again(self, dialog: TrainDialog | AdaptDialog | None) -> bool:
        """Bring ``dialog`` back when its run has not ended (shown, or kept running in the background),
        ended in the background unseen (its result), or it is open on this catalogue: the menu never opens a second, idle dialog beside it."""
        same = dialog is not None and self.catalogue is not None and dialog.catalogue == self.catalogue.name
        if dialog is None or not (dialog.task is not None or (same and (dialog.isVisible() or dialog.ended_unseen))):
            return False
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return True

    def reindex_catalogue(self) -> None:
        """Rebuild the open catalogue's index with the current model, in the worker, then search."""
        if self.catalogue is None:
            return
        # “…”, never repr(): a name with an apostrophe or a no-break space read as Python (trial BJ)
        self.results.show_message(f"Re-indexing “{isolated(self.catalogue.name)}” with the current model…")
        self.activity.setText("Re-indexing the catalogue…")
        self.channels.build.start(lambda service, state: service.reindex(progress=state.progress,
                                                                         should_stop=state.should_stop),
                                  "Re-indexing the catalogue…") \
            .on_progress(self._show_progress).on_done(self._reindexed) \
            .on_failed(self._reindex_failed).on_finished(self._hide_progress)

    def _show_empty_outfit(self) -> None:
        """The results of an empty outfit: the prompt to add items, and when the open catalogue's index would be
        refused, why and the way to mend it (a user learnt it only from the first search, outfit built)."""
        if not self._index_refusal or self.catalogue is None:
            self.results.show_message(EMPTY_RESULTS_WORDS)
            return
        name = html.escape(isolated(self.catalogue.name))
        self.results.show_message(
            f"{html.escape(EMPTY_RESULTS_WORDS)}<br><br>“{name}” cannot be searched as it is: "
            f"{html.escape(window_words(self._index_refusal))}. <a href='reindex'>Re-index “{name}” now</a>", rich=True)

    def _reindex_failed(self, message: str) -> None:
        """A re-index from the window failed: the results area no longer says it is re-indexing (a
        trial saw "Re-indexing…" stay under "Ready"), and the reason is reported."""
        self.results.show_message(f"The catalogue was not re-indexed: {window_words(message)}.")
        self._report_error(message)

    def _reindexed(self, report: IndexReport) -> None:
        """The open catalogue was re-indexed here: a refusal of the old index no longer holds; search again.
        What the index says of its model (another catalogue's, a file changed since) goes to the
        status bar: trial H's one click on "Re-index now" took another catalogue's model without a word."""
        if self.explanation.status.error:
            self.explanation.clear(self._then_click("The catalogue was re-indexed", "explain it again"))
        self._index_refusal = ""  # (the open catalogue's, refused when it opened)
        if report.indexed.note:
            self.statusBar().showMessage(f"Re-indexed: {note_words(report.indexed.note, report.indexed.note_way_out)}.",
                                         30000)
        self.request_search()

    def start_demo(self, items: int = 120) -> None:
        """First run (or Help → Build the demo catalogue): generate the demo catalogue into the index home and
        index it, in the worker; it opens once built."""
        self.demo_action.setEnabled(False)
        self.activity.setText("Preparing the demo catalogue…")
        self.channels.build.start(lambda service, state: service.ensure_demo(items=items, progress=state.progress,
                                                                             should_stop=state.should_stop),
                                  "Preparing the demo catalogue…") \
            .on_progress(self._show_progress).on_done(self._demo_ready) \
            .on_failed(self._demo_failed).on_finished(self._hide_progress)

    def _demo_failed(self, message: str) -> None:
        """The demo could not be built (a full disk): said, and the catalogues there are listed all the same
        (trial CR's window kept "Preparing the demo catalogue … (progress below)" over an empty switcher, a
        catalogue of the user's unoffered)."""
        self.activity.setText("")
        self._no_catalogue_words = (f"The demo catalogue could not be built: {window_words(message)}. "
                                    "Use File → Index catalogue folder… to add a catalogue of your own.")
        self.browser_empty.setText(self._no_catalogue_words)
        self.browser_empty.setVisible(True)
        self._report_error(f"The demo catalogue could not be built: {message}")  # the box's own subject (trial CT)
        self.refresh_catalogues()

    # --- answers (GUI thread) ------------------------------------------------------------------
    def _show_device(self, name: str) -> None:
        self.device = name
        self.device_label.setText(f"Device: {name}")

    def _note_tokens(self, catalogues: list[CatalogueInfo]) -> None:
        """Keep each listed catalogue's token; one made anew under its name since (another token)
        has its old database's remembered outfit forgotten (the outfit being built follows by name) —
        unless that database is still listed, under another name: renamed, here or by another process,
        it keeps what it remembers (trial EU lost a renamed demo's outfit to the new demo)."""
        listed = {info.uid for info in catalogues if info.uid}
        for info in catalogues:
            before = self._uids.get(info.name)
            if before and before != info.uid and before not in listed:
                forget(self.settings, before)
            self._uids[info.name] = info.uid

    def _offer_demo(self, names: Sequence[str]) -> None:
        """Help → Build the demo catalogue, on while the index home lists no "demo" (``names``: every catalogue
        there, those that cannot be read now too) and none is being built."""
        self.demo_action.setEnabled(DEMO_CATALOGUE not in names and not self.channels.build.busy)

    def _show_catalogues(self, catalogues: list[CatalogueInfo]) -> None:
        self._note_tokens(catalogues)
        self._offer_demo([info.name for info in catalogues])
        # this listing's choice, used once: a stale one hijacked a later listing's (trial AJ: a choice
        # made during an index gave way, at its end, to the catalogue a listing had opened long before)
        select, reopen = self._select_after_listing, self._reopen_after_listing
        self._select_after_listing, self._reopen_after_listing = None, True
        self.catalogue_switcher.clear()
        for info in catalogues:
            self.catalogue_switcher.addItem(qta.icon("mdi6.hanger"), self._switcher_text(info), info.name)
        if not catalogues:
            self.browser_empty.setText(self._no_catalogue_words)
            self._no_catalogue_words = NO_CATALOGUE  # said once: a later empty list has other reasons (a review)
            self.browser_empty.setVisible(True)
            return
        wanted = select or self.settings.get("catalogue")
        names = [c.name for c in catalogues]
        name = wanted if wanted in names else names[0]
        first, self._first_listing = self._first_listing, False
        renamed = self._renamed_since(catalogues) if first else None
        if renamed is not None:  # trial BE renamed it from a terminal: the window opened a new demo, unsaid
            before, name = self.settings.get("catalogue"), renamed
            remade = before == DEMO_CATALOGUE and DEMO_CATALOGUE in names
            built = " (a new demo catalogue was built in its place)" if remade else ""
            self._say_beside_start_note(f"“{before}”, open when you last quit, is called “{name}” now: it is open, "
                                        f"with its outfit{built}.", 20000)
        elif wanted and wanted not in names:  # a trial's deleted database: another catalogue opened unsaid
            # deleted (Manage catalogues has nothing to say of it: trial U), or damaged (it lists it)
            self._say_beside_start_note(f"“{wanted}” is not among the catalogues that open any more: deleted, or its "
                                        "database cannot be read (File → Manage catalogues… lists a damaged one): "
                                        f"“{name}” is open instead.", 20000)
        self.catalogue_switcher.setCurrentIndex(names.index(name))
        if reopen or self.catalogue is None or self.catalogue.name != name:
            self.open_catalogue(name)

    def _renamed_since(self, catalogues: list[CatalogueInfo]) -> str | None:
        """The name the catalogue open at the last quit has now, when it was renamed since (the same
        database token under another name, and no catalogue of its old name holds that token); else None."""
        uid, before = self.settings.get("catalogue_uid"), self.settings.get("catalogue")
        if not uid or not before:
            return None
        if any(info.name == before and info.uid == uid for info in catalogues):
            return None
        return next((info.name for info in catalogues if info.uid == uid and info.name != before), None)

    def _folder_indexed(self, name: str) -> None:
        """After "Index catalogue folder…": switch to the new catalogue only when it has items; a
        re-index of the open one keeps its outfit and drops the explanation of the old index."""
        report = self.index_dialog.last_report if self.index_dialog is not None else None
        current = self.catalogue.name if self.catalogue is not None else None
        if report is not None and report.items == 0:
            self.statusBar().showMessage(f"“{name}” has no item that could be indexed: staying on the catalogue "
                                         "you have open", 10000)
            self.refresh_catalogues(select=current, reopen=False)
            return
        chosen = self.index_dialog.chosen_meanwhile if self.index_dialog is not None else ""
        if chosen and chosen != name:
            # a catalogue was chosen in the switcher while this one was indexed: that choice stands
            # (trial AH's window opened it, then went straight on to the new catalogue without a word)
            items = f" ({counted(report.items, 'item')})" if report is not None else ""
            self.statusBar().showMessage(f"Indexed “{isolated(name)}”{items}: choose it in the catalogue switcher to "
                                         f"open it. “{isolated(chosen)}” stays open, as chosen.", 15000)
            self.refresh_catalogues(select=chosen, reopen=False)
            return
        if name == current:
            self.explanation.clear(self._then_click("The catalogue was re-indexed", "explain it again"))
        elif current is not None and self.index_dialog is not None and not self.index_dialog.isVisible():
            # indexed in the background while you worked in another catalogue: it stays open
            items = f" ({counted(report.items, 'item')})" if report is not None else ""
            skipped = sum(skip.is_file and skip.kind == "item" for skip in report.skipped) if report is not None else 0
            left_out = f", {counted(skipped, 'item')} skipped" if skipped else ""  # (as its dialog counts them)
            self.statusBar().showMessage(f"Indexed “{name}”{items} in the background{left_out}: choose it in the "
                                         f"catalogue switcher to open it ({INDEX_FOLDER} shows its report).", 60000)
            self.refresh_catalogues(select=current, reopen=False)
            return
        self.refresh_catalogues(select=name)

    def _search_words(self, words: str) -> None:
        """The search box's placeholder, and its tooltip too: a narrow window cut the placeholder (a trial)."""
        self.search_box.setPlaceholderText(words)
        self.search_box.setToolTip(words)

    def _catalogue_opened(self, opened: OpenedCatalogue, shared: str = "") -> None:
        """``shared``: where a shared catalogue lives (user@host:port/db), "" for a local one."""
        self._first_hit_when_listed = False  # asked of the catalogue before
        # as an explanation's export records it (revision: the import its results were searched in)
        self.explanation.catalogue = (f"{opened.info.name} (uid {opened.info.uid}, revision {opened.info.revision}"
                                      + (f", on {shared}" if shared else "") + ")")
        previous = self.catalogue.name if self.catalogue is not None else None
        self._search_words(SEARCH_WITH_ATTRIBUTES if opened.has_attributes else SEARCH_WITHOUT_ATTRIBUTES)
        if not shared:
            self._show_in_switcher(opened.info.name)  # a choice made during a long run named the old one until now
        for dialog in (self.train_dialog, self.adapt_dialog):
            # an unused dialog named for the catalogue left behind goes (trial AI pressed Train in "Train
            # model on demo" with demo2 open, and it trained demo2); one that ran keeps its result on
            # screen (trial AJ lost "model kept: new 57 % vs current 90 %"), its button refused elsewhere
            if dialog is None or dialog.catalogue == opened.info.name:
                continue
            if self._renamed == (dialog.catalogue, opened.info.name):  # the same catalogue, renamed (trial AJ's closed unsaid)
                title = dialog.windowTitle()
                if title.endswith(dialog.catalogue):  # "Train model on shop" → "… on boutique"
                    dialog.setWindowTitle(title[: len(title) - len(dialog.catalogue)] + opened.info.name)
                dialog.catalogue = opened.info.name
            elif dialog.isVisible() and not dialog.has_run:
                dialog.close()
        if self._waiting_words and self.statusBar().currentMessage() == self._waiting_words:
            self.statusBar().clearMessage()  # "“X” opens when … ends" is over (trial AJ read it after X opened)
        self._waiting_words = ""
        self._waiting_open = ""  # whatever was chosen last has opened: nothing is pending
        self._explained_before_change = self._explain_when_listed = None  # keys of the catalogue left
        self._watch_index(opened.index_folder if not shared else "")
        if self._renamed == (previous, opened.info.name):
            previous = opened.info.name  # the open catalogue was renamed: the outfit built in it follows
        self._renamed = None
        if self.catalogue_manager is not None:  # its buttons follow the catalogue open now (its Delete… greyed)
            QTimer.singleShot(0, self.catalogue_manager, self.catalogue_manager.open_changed)
        # the same name, another database (made anew from a terminal or another window): its item
        # keys name other items, so everything shown of the old one goes as for another catalogue
        other = previous != opened.info.name or (self.catalogue is not None and self.catalogue.uid != opened.info.uid)
        if previous is not None:  # each catalogue keeps the outfit built in it (a shared one, for this run)
            # an image from disk lives in the closed catalogue's session: kept by its file, embedded again
            # on return (a trial's image vanished from the outfit, without a word, after a switch)
            kept = outfit_key(previous, self.shared)
            self._outfits[kept] = [(str(item.image_path), item.category, item.content_hash) if item.from_disk
                                   else item.pk for item in self.outfit_model.items()]
            self._kept_photos[kept] = {item.pk: item.content_hash for item in self.outfit_model.items()
                                       if not item.from_disk}
            if self.catalogue is not None:
                self._outfit_uids[kept] = self.catalogue.uid
        if other or shared or self.shared:
            self.explanation.clear()
            self.saved_outfits.forget()  # a saved outfit's name is of the catalogue it was saved in
        elif self.explanation.status.error:  # the same catalogue re-indexed: its old refusal no longer holds
            self.explanation.clear("The catalogue was re-indexed: click a result to explain it again.")
        self.catalogue, self.shared = opened.info, shared
        self._index_refusal = "" if shared else opened.index_refusal
        if self._index_refusal and opened.info.builtin and opened.info.name not in self._auto_reindexed:
            # the built-in demo is the app's own derived data: rebuilt without asking, once (as a refused search does)
            self._auto_reindexed.add(opened.info.name)
            QTimer.singleShot(0, self, self.reindex_catalogue)
        if not shared:  # the shared catalogue is closed: its entry goes (it cannot be chosen back)
            self._drop_shared_entry()
        self._revision = None  # the first search of this catalogue says which revision it is at
        if not shared:
            self.settings.set("catalogue", self.catalogue.name)
            self.settings.set("catalogue_uid", self.catalogue.uid)  # found again after a rename elsewhere
        self.set_title_base(isolated(self.catalogue.name))
        # outfits, or labelled attributes alone (the attribute network: explanations then name this
        # catalogue's own attributes, which the bundled model cannot)
        self._has_outfits = opened.has_outfits  # without: training learns attributes, no matches (its dialog says so)
        self._matches_learnt = opened.matches_learnt
        if self._similar_to is None:  # the heading says whose outfits its picks come from (before any search)
            self._show_similar_heading(None)
        self.train_action.setEnabled(opened.can_train)
        # the status bar says what the tooltip says (trial CD read "Train … on this catalogue's outfits" there beside
        # "Nothing to train on"), and what would make training possible
        train_tip = ("Train a model on this catalogue's outfits and attributes" if opened.can_train else
                     "Nothing to train on: this catalogue has neither outfits nor labelled attributes (index it with a "
                     "product table that names colours, patterns or outfits to train on it)")
        self.train_action.setToolTip(train_tip)
        self.train_action.setStatusTip(train_tip)
        self.adapt_action.setEnabled(True)
        # the same catalogue again (a re-sync, a re-index): the chosen categories stay chosen
        self._set_categories(list(opened.categories), keep=not other)
        if opened.folder_gone and not shared:  # every tile "photo missing", the status bar "Ready" (trial W)
            self.statusBar().showMessage(
                f"The folder of “{opened.info.name}”, {opened.info.root}, is no longer there (moved or renamed?): "
                "its photos cannot be shown or explained. Index the folder where it is now (File → Index "
                "catalogue folder…) under this name, and let it replace this one.", 60000)
        elif opened.metadata_changed:  # labels, titles and categories as imported: say so, and how to use the edit
            from sane_desktop.service.items import metadata_note

            note = metadata_note(opened.metadata_changed, opened.metadata_gone)
            way = ("Put them back to re-sync it" if len(opened.metadata_gone) > 1 else "Put it back to re-sync it") \
                if opened.metadata_gone else "Re-sync it (File → Manage catalogues…) to use the new ones"
            self.statusBar().showMessage(f"{note[:1].upper()}{note[1:]}. {way}.", 30000)
        self.filters.reset()  # another catalogue's values: its own ticks, as last left in it (trial BE)
        if not shared:
            self._restore_ticks(opened.info)
        else:
            self.results.set_threshold(0)
        if other:  # … and its own search: a trial's next catalogue opened as "No items match"
            # not with its signals blocked: the box's clear button follows textChanged, and stayed on an
            # empty box (trial AZ); the search it would start is this catalogue's own item request
            self.search_box.clear()
            self._search_timer.stop()
            # the last catalogue's tiles and item view go: their keys name other items here
            self.browser_model.set_items([])
            set_plain(self.browser_empty, "Loading the catalogue's items…")
            self.browser_empty.setVisible(True)
            if self.detail_view is not None:
                self.detail_view.close()
        # the outfit's titles, for words on items a re-sync of this catalogue took out (keys only come back)
        titles = {} if other else {item.pk: item.title or item.item_id for item in self.outfit_model.items()}
        # and their photos: one a re-sync gave to another item (a renamed folder) is followed (trial EI)
        photos = {} if other else {item.pk: item.content_hash for item in self.outfit_model.items() if item.pk >= 0}
        self._items.clear()
        self._results.clear()
        self._remember_outfit = False  # the next outfit is this catalogue's: emptied, then brought back
        if not shared and opened.info.name not in self._outfits:  # first opened in this run: the last one's
            self._outfits[opened.info.name] = remembered(self.settings, opened.info)
        self.outfit_panel.clear()
        self.request_items()
        # a shared catalogue opened again (re-indexed on its server: "open it again") gets back the
        # outfit built in it in this run (trial R found it emptied); never a local one's of that name
        self._restore_outfit(opened.info.name, titles, key=outfit_key(opened.info.name, shared), photos=photos)
        if not self.outfit_model.pks() and not self.outfit_panel.restoring:  # nothing to bring back: this one's prompt
            self._show_empty_outfit()

    def _target_chosen(self, target: str) -> None:
        """The results' category chosen: searched, and remembered for this catalogue (a local one)."""
        if self.catalogue is not None and not self.shared:
            remember_target(self.settings, self.catalogue, target)
        self.request_search()

    def _set_categories(self, categories: list[str], keep: bool) -> None:
        """List ``categories`` in the browser's filter and the results' target; with ``keep`` the
        chosen ones stay chosen while they are still listed (nothing is searched or listed again);
        without, the target is the one last chosen in this catalogue, when it is still listed."""
        remembered_one = remembered_target(self.settings, self.catalogue) \
            if self.catalogue is not None and not self.shared else ""
        browsed, target = (self.category_filter.currentData() or "", self.results.current_target()) if keep \
            else ("", remembered_one)
        self.category_filter.blockSignals(True)
        self.category_filter.clear()
        self.category_filter.addItem("All categories", "")
        for category in categories:
            self.category_filter.addItem(category, category)
        self.category_filter.setCurrentIndex(max(0, self.category_filter.findData(browsed)))
        self.category_filter.blockSignals(False)
        if not keep:  # another catalogue: its first search says which kinds it leaves out
            self.results.name_every_category()
        self.results.set_categories(categories, keep=target)
        if keep and browsed and browsed not in categories:
            # the category browsed is gone (a re-import renamed its folder): the grid lists every category now, as
            # the box says (trial EI read "This catalogue has no items." under "All categories")
            self.request_items()
            self._say_news(f"“{browsed}” is no longer a category of this catalogue: showing every category.", 15000)

    def _restore_outfit(self, name: str, titles: dict[int, str] | None = None, key: str | None = None,
                        photos: Mapping[int, str] | None = None) -> None:
        """Bring back the outfit last built in catalogue ``name``, in its order: its items still
        there (a re-index keeps item keys stable), and its images from disk embedded again (one that
        changed or went since is left out, and the status bar says why). An item no longer in the
        catalogue is named by ``titles`` (key -> title, as the window showed it) when it is left out:
        trial M's moved sandal left the outfit after a Re-sync without a word; one whose photo (``photos``:
        key -> content hash, or the hash remembered with its id) one other item holds now comes back as that
        item, in its place, and is said so (a renamed file or folder: trial EI's Re-sync dropped it)."""
        key = name if key is None else key  # where it was kept (:func:`outfit_key`)
        photos = {**self._kept_photos.pop(key, {}), **(photos or {})}
        saved = self._outfits.get(key)
        kept_for = self._outfit_uids.pop(key, None)
        if saved and kept_for is not None and self.catalogue is not None and kept_for != self.catalogue.uid:
            # made anew since: its item keys name other items now, only images from disk can come back
            left_out = sum(isinstance(entry, int) for entry in saved)
            saved = self._outfits[key] = [entry for entry in saved if not isinstance(entry, int)]
            if left_out:
                self._say_news(f"“{name}” was made anew since you built its outfit: "
                               f"{counted(left_out, 'item')} of it left out.", 15000)
        if not saved:
            self._remember_outfit = True
            self.outfit_panel.set_restoring(False)  # another catalogue's, still on its way, is dropped when it comes
            return

        # the saved outfit it was when the app closed (trial U's export said "Unsaved outfit" after a restart)
        hint = remembered_saved(self.settings, self.catalogue) if self.catalogue is not None and not self.shared \
            else None

        def restore(service: CatalogueService, _state: object
                    ) -> tuple[list[ItemInfo], list[str], list[int | str], LoadedOutfit | None,
                               list[tuple[str, ItemInfo]]]:
            from sane_desktop.errors import NotFound, SaneError

            found = {item.pk: item for item in service.item_infos([e for e in saved if isinstance(e, int)])}
            items: list[ItemInfo] = []
            refused: list[str] = []
            # left out as no longer in the catalogue: keys of this run, ids remembered from an earlier one
            gone_keys: list[int | str] = []
            moved: list[tuple[str, ItemInfo]] = []  # (the title it had, the item holding its photo now)
            held = set(found)

            def moved_to(content_hash: str) -> ItemInfo | None:
                holders = [info for info in service.current().items.with_photo(content_hash) if info.pk not in held]
                return holders[0] if len(holders) == 1 else None  # two copies: no telling which it became

            for entry in saved:
                if isinstance(entry, int):
                    if entry in found:
                        items.append(found[entry])
                    elif (now := moved_to(photos.get(entry, ""))) is not None:
                        items.append(now)
                        held.add(now.pk)
                        moved.append(((titles or {}).get(entry, now.title), now))
                    else:  # a re-import (a Re-sync) took it out of the catalogue
                        gone_keys.append(entry)
                    continue
                if isinstance(entry, dict) and "id" in entry:  # remembered from an earlier run
                    try:
                        items += service.current().items.by_item_id([entry["id"]])
                    except NotFound:  # said with a box, as this run's keys are (trial BP read no more than
                        if (now := moved_to(str(entry.get("hash") or ""))) is not None:  # 15 s of status bar
                            items.append(now)  # after a restart)
                            held.add(now.pk)
                            moved.append((str(entry["id"]), now))
                        else:
                            gone_keys.append(str(entry["id"]))
                    continue
                try:
                    path, category, content_hash = (entry["image"], entry["category"], entry["hash"]) \
                        if isinstance(entry, dict) else entry
                    # the photo as it was added: one replaced since is left out, not swapped in
                    items.append(service.add_image(Path(path), category, content_hash))
                except SaneError as error:
                    refused.append(f"An image from disk left the outfit: {window_message(error)}")
            linked = None
            if hint is not None:
                try:  # renamed since: its name now; deleted: none
                    linked = service.load_saved_outfit(hint.pk)
                except SaneError:
                    linked = None
                # while it holds what it held then (an older version kept no items: the outfit's own, then), those
                # a re-import took out since left out on both sides (the saved outfit's list leaves them out: a
                # review found one reopened unnamed after a re-import while the app was closed)
                present = {info.pk for info in service.item_infos(list(hint.items))} if hint.items else set()
                if linked is not None and not still_held(hint, present, items, linked.item_pks):
                    linked = None  # saved over elsewhere since: no name it does not bear
            return items, refused, gone_keys, linked, moved

        def failed(message: str) -> None:
            self._remember_outfit = True
            self.outfit_panel.set_restoring(False)
            if not self.outfit_model.pks():
                self._show_empty_outfit()
            self._report_error(message)

        opened = self._open_identity()
        self.outfit_panel.set_restoring(True)
        if not self.outfit_model.pks():  # the results say it too (trial DL read "Add items to the outfit" meanwhile)
            self.results.show_message(RESTORING_RESULTS)
        self.channels.outfit.start(restore, "Restoring the outfit…") \
            .on_done(lambda restored: self._outfit_restored(restored, titles or {}, opened)).on_failed(failed)

    def _open_identity(self) -> tuple[str, str, str] | None:
        """Which catalogue is open: its name, its database's uid and where it lives ("" locally)."""
        return None if self.catalogue is None else (self.catalogue.name, self.catalogue.uid, self.shared)

    def _outfit_restored(self, restored: tuple[list[ItemInfo], list[str], list[int | str]]
                         | tuple[list[ItemInfo], list[str], list[int | str], LoadedOutfit | None]
                         | tuple[list[ItemInfo], list[str], list[int | str], LoadedOutfit | None,
                                 list[tuple[str, ItemInfo]]], titles: dict[int, str],
                         opened: tuple[str, str, str] | None = None) -> None:
        if opened is not None and opened != self._open_identity():
            # restored for a catalogue no longer open: its item keys name other items in this one (a
            # test switching at once after opening a shared catalogue saw them land in demo's outfit)
            logger.info("an outfit restored for %s arrived after %s opened: dropped", opened, self._open_identity())
            return
        self.outfit_panel.set_restoring(False)
        items, refused, gone = restored[:3]
        if not items and not self.outfit_model.pks():  # none came back: the results' prompt as for any empty outfit
            self._show_empty_outfit()
        linked = restored[3] if len(restored) > 3 else None
        self._remember_outfit = True
        self._items.update({item.pk: item for item in items if item.from_disk})
        added_meanwhile = len(self.outfit_model.pks())
        # remembered through its change, when any came back; shown from its start, unless added to meanwhile
        self.outfit_panel.add_items(items, show_end=bool(added_meanwhile))
        if added_meanwhile and items:  # trial DJ's item, added while it was read back, was joined without a word
            self.statusBar().showMessage(f"The outfit you were building last time came back: {counted(len(items), 'item')} "
                                         f"added after {'the one' if added_meanwhile == 1 else f'the {added_meanwhile}'} you added "
                                         "meanwhile", 15000)
        # the saved outfit it was worked on as, while that saved outfit holds what it held then (not saved over
        # elsewhere since): named again, "changed" unless the outfit holds its very catalogue items in their order,
        # as within a session (trial CY quit without saving a changed outfit, and it came back unnamed). Catalogue
        # items only: an image from disk is never saved in one (trial BW); items a re-import took out are the
        # catalogue's doing, not an edit (catalogue_took keeps what it holds now; a review read "Unsaved outfit")
        if linked is not None and not self.saved_outfits.name:
            self.saved_outfits.link(linked.name, linked.pk, linked.item_pks)
        if not items and self.catalogue is not None and not self.shared:  # none came back: forget them
            remember(self.settings, self.catalogue, [])
        moved = restored[4] if len(restored) > 4 else []
        if gone:  # said as a search that finds them gone says it (_outfit_items_gone); ids from an earlier run
            text = left_out_words(len(gone), [titles[pk] if isinstance(pk, int) else pk for pk in gone
                                              if not isinstance(pk, int) or pk in titles])
            self._say_beside_start_note(" ".join([text, *refused[:1]]), 15000)
            message_box(self, "Outfit", text, QMessageBox.Icon.Information)
        elif moved:  # the renamed or moved photos came back as the items they are now (trial EI)
            self._say_beside_start_note(moved_words([(title, item) for title, item in moved]), 15000)
        elif refused:
            self._say_beside_start_note(refused[0], 15000)

    def say_start_note(self, note: str) -> None:
        """Show the start's ``note`` (remembered settings read as their defaults), before a message the start
        showed already (a renamed catalogue's: trial BF read that one alone, the note in the log only)."""
        self.start_note = note
        bar = self.statusBar()
        shown = bar.currentMessage()
        bar.showMessage(f"{note.rstrip('.')}. {shown}" if shown and not shown.startswith(note) else note, 30000)

    def _say_beside_start_note(self, message: str, timeout_ms: int) -> None:
        """Show ``message``, after :attr:`start_note` while that is still on screen: the outfit brought back
        at start replaced the line on remembered settings read as their defaults (trial BE read it in the
        log only). News (:meth:`_say_news`) said a moment before stays beside it too."""
        self._say_news(message, timeout_ms)

    def _say_news(self, message: str, timeout_ms: int) -> None:
        """Show ``message``, a change that came from elsewhere (a re-import, another window), after the news
        said less than :data:`NEWS_JOINED_MS` before while that is still on screen, and after the start's note
        while that is: one refresh's lines replaced one another (trial EJ read a renamed category's line, never
        its outfit item's "it stays"). A line the person's own action says replaces them, as before."""
        bar = self.statusBar()
        shown, now = bar.currentMessage(), time.monotonic()
        kept = [said for said, at in self._news if (now - at) * 1000 < NEWS_JOINED_MS and said in shown
                and said != message]
        if self.start_note and shown.startswith(self.start_note) and self.start_note not in kept:
            kept.insert(0, self.start_note)
            timeout_ms = max(timeout_ms, 30000)
        self._news = [(said, at) for said, at in self._news if said in kept] + [(message, now)]
        bar.showMessage(" ".join([*(f"{said.rstrip('.')}." for said in kept), message]), timeout_ms)

    def _show_items(self, items: list[ItemInfo], asked: tuple[str, ...] = ()) -> None:
        """``asked``: what the list is of (catalogue, category, search, filters, order); another list
        than the one shown starts at its top (a trial's new category opened scrolled half-way down)."""
        self._items.update({item.pk: item for item in items})
        # the items chosen stay chosen where the new list still holds them: a sort or a filter lists them anew, and
        # trial EE's Ctrl+Enter after a sort did nothing, the selection gone
        selection = self.grid.selectionModel()
        chosen = [int(index.data(Role.ItemPk)) for index in selection.selectedIndexes()]
        current = self.grid.currentIndex().data(Role.ItemPk) if self.grid.currentIndex().isValid() else None
        self.browser_model.set_items(items)
        if chosen or current is not None:
            row_of = {pk: row for row, pk in enumerate(self.browser_model.pks())}
            if current in row_of:
                selection.setCurrentIndex(self.browser_model.index(row_of[current]), QItemSelectionModel.SelectionFlag.NoUpdate)
            kept = QItemSelection()
            for pk in chosen:
                if pk in row_of:
                    kept.select(self.browser_model.index(row_of[pk]), self.browser_model.index(row_of[pk]))
            selection.select(kept, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self._say_unlisted_chosen(len({pk for pk in chosen if pk not in row_of}), asked)
        if asked != self._items_asked:
            self.grid.scrollToTop()
            self._items_asked = asked
        if self._first_hit_when_listed:
            self._to_first_hit()
        ticks = self.filters.describe()
        self.browser_empty.setVisible(not items or bool(ticks))
        if ticks and items:  # filtered, even with the sidebar closed: say so, and how to see every item
            set_rich(self.browser_empty, f"Showing only {escape(ticks)} — <a href='clearfilters'>clear filters</a>")
        elif ticks:  # say why nothing is shown, and how to see items again (the search's part too: trial DF)
            set_rich(self.browser_empty, ("No items match this search and the filters" if self.search_box.text()
                                          else "No items match the filters") + " — <a href='clearfilters'>clear filters</a>")
        elif self.search_box.text():  # what to try (trial EG read "No items match this search." alone)
            set_rich(self.browser_empty, empty_search_words(self.search_box.text(),
                                                           str(self.category_filter.currentData() or "")))
        else:
            set_plain(self.browser_empty, "This catalogue has no items.")

    def _say_unlisted_chosen(self, dropped: int, asked: tuple[str, ...]) -> None:
        """Say that ``dropped`` selected items are not in the catalogue grid's new list ``asked`` and so no longer
        selected, and what hid them (trial EF ticked a colour, Ctrl+Enter added two of the three items chosen without
        a word, and after "Clear filters" the third was not selected). Another catalogue's list, or the same list
        read again after a re-import, says nothing here."""
        before = self._items_asked
        if not dropped or not before or before[0] != asked[0]:
            return
        causes = [word for word, was, now in zip(("category chosen", "search", "filters"), before[1:4], asked[1:4])
                  if was != now]
        if not causes:  # the same list asked again: a re-import took them out, which the window says in its words
            return
        items = "1 selected item is" if dropped == 1 else f"{dropped} selected items are"
        hidden = " and ".join(f"the {cause}" for cause in causes)
        self.statusBar().showMessage(f"{items} hidden by {hidden} now, so no longer selected.", 10000)

    def _show_outfit_results(self, found: OutfitResults) -> None:
        """An outfit search's results, under a heading that says which are only look-alikes."""
        if found.gone:
            self._outfit_items_gone(found.gone, found.revision, dict(found.moved))
            return
        self._catalogue_seen(found.revision)
        self._outfit_photos = dict(found.outfit_photos_changed)  # said under the results (_note_results)
        self._other_photos = found.other_photos_changed
        self._folder_gone = found.folder_gone
        self._unsearched = found.unsearched
        self._foreign_reasons = found.foreign_reasons
        self._more = found.more
        # beside listed categories, those left empty are said under the list (trial BB: "All categories" named
        # none of them, where `query` lists each with why)
        self._not_ranked = (found.not_ranked, found.own_kind) if any(found.results.values()) else ((), ())
        self.outfit_model.recheck_photos()  # the outfit strip shows a replaced or deleted photo as such
        results, general, outfit_by_looks = found.results, found.general, found.outfit_by_looks
        shown = [category for category, listed in results.items() if listed]
        outfit_categories = set(found.outfit_categories) or {item.category for item in self.outfit_model.items()}
        if outfit_categories and outfit_categories <= set(outfit_by_looks):
            # every outfit item counts by looks: each score is a likeness, whatever the result's category
            self._show_results(results, frozenset(shown), found.index_stamp)
            self._show_all_by_looks_heading(sorted(outfit_categories))
            if not shown:  # a look-alike list says so when empty too, not "no compatible items" (a trial)
                self.results.show_message("No items that look like your outfit here.")
            return
        ours = own_kinds(outfit_categories, results)
        if any(category not in ours for category in shown) and any(category in ours for category in shown):
            # "All categories": the outfit's own kinds are not listed beside what completes it, as with one
            # outfit item; their items are alternatives, each compared with the other outfit items only, so
            # their 0–100 read 80 under a 40 (trial BW). Said by the target box (_note_results); one as the target lists them.
            dropped = [category for category in shown if category in ours]
            results = {category: listed for category, listed in results.items() if category not in ours}
            shown = [category for category in shown if category not in ours]
            not_ranked, own_kind = self._not_ranked
            self._not_ranked = ((*not_ranked, *(c for c in dropped if c not in not_ranked)),
                                (*own_kind, *(c for c in dropped if c not in own_kind)))
        self._show_results(results, frozenset(general), found.index_stamp, ours)
        self._show_look_alike_heading(list(general), shown, list(outfit_by_looks))
        if not shown and found.not_ranked and set(found.not_ranked) <= set(found.own_kind):
            # the outfit's own kind: a match pairs different kinds of item (it said "the model learnt no matches")
            kinds = ", ".join(found.own_kind)
            own = sorted(set(found.outfit_categories))
            # nothing is listed, so "these" pointed at nothing (trial AZ): the kind is named; folders the model
            # counts as one kind are said as such (trial BB read "Your outfit is all Shirts" of an outfit of Tees)
            opening = (f"Your outfit is all {kinds}" if own == sorted(found.own_kind) else
                       f"The model counts {kinds} and your outfit's {', '.join(own)} as one kind")
            listed = {self.results.target.itemData(row) for row in range(1, self.results.target.count())}
            # a catalogue of that kind alone has no other kind to add or choose (trial CS was told to)
            way = ("This catalogue holds no other kind of item: open an item's Details for Find visually similar."
                   if listed and listed <= set(found.own_kind) else "Add an item of another kind, choose another category, or "
                   "open an item's Details for Find visually similar.")
            self.results.show_message(f"{opening}: a match pairs different kinds of item, so other {kinds} are "
                                      f"alternatives to it, not matches. {way}")
        elif not shown and found.not_ranked:  # not "no compatible items": the model cannot rank them (a trial's
            # second skirt, "match 99", came from a bottoms-with-bottoms space no outfit trained)
            self.results.show_message(f"The model learnt no matches between {', '.join(found.not_ranked)} and your "
                                      "outfit's items (no training outfit paired them): add an item of another "
                                      "kind, or choose another category.")

    def _show_results(self, results: dict[str, list[SearchResult]], look_alike: frozenset[str] = frozenset(),
                      index_stamp: tuple[int, int, int] | None = None, in_outfit: frozenset[str] = frozenset()) -> None:
        """``look_alike``: an outfit search's categories ranked by looks alone (listed last);
        ``index_stamp``: the index they were found in (an explanation first checks it is still that one);
        ``in_outfit``: the outfit's own categories (their items listed after those the outfit lacks)."""
        # the badges and their note spoke of a result of the list this one replaces
        self._result_hovered(None, explained_too=False)
        self._badges_timer.start()  # those of the explained result, if the new list holds it
        if self.statusBar().currentMessage() == OUTDATED_SEARCHING:
            self.statusBar().showMessage(OUTDATED_SEARCHED, 15000)
        self._results = {r.item.pk: r for rs in results.values() for r in rs}
        self.results_model.per_category = self.results_per_category()
        self.results_model.capped = frozenset(category for category in self._more if results.get(category))
        self._index_stamp = index_stamp
        self._look_alike = look_alike
        # as the list ranks them: alone, the outfit's own categories are listed as any (ItemListModel.set_results)
        self._in_outfit = in_outfit if any(r.item.category not in in_outfit for r in self._results.values()) \
            else frozenset()
        self.results.set_results(results, filtered=self._results_filter() is not None, look_alike=look_alike,
                                 in_outfit=in_outfit)
        self._note_results()
        self._frame_the_explained()
        again, self._explain_when_listed = self._explain_when_listed, None
        if again is not None and again in self._results and self.explanation.update_data is None \
                and self.explanation.outfit_data is None and not self.channels.explain.busy:
            # its tile marked current and selected, as the click that first explained it left it (trial BP
            # read the explanation beside a list with none selected)
            listed = self.results_model.pks()
            if again in listed:
                view = self.results.view
                view.selectionModel().setCurrentIndex(self.results_model.index(listed.index(again)),
                                                      QItemSelectionModel.SelectionFlag.ClearAndSelect)
            outdated = self.statusBar().currentMessage() == OUTDATED_SEARCHED
            self.explain(again)  # (it clears the status bar for its progress)
            if outdated:
                self.statusBar().showMessage(OUTDATED_EXPLAINED_AGAIN, 15000)
        # the visible tiles are requested once laid out (ResultsView.visible_changed)

    def _frame_the_explained(self) -> None:
        """The tile the panel explains, listed again (a threshold, a filter, a sort of search), keeps its frame: a new
        list is new rows, none selected (trial ED read the panel explaining a tile no longer framed). Selected only,
        not made current: nothing is explained again. The list scrolls as little as shows it (a sort by title put it
        out of sight, the panel explaining a tile nowhere to be seen), as a file manager keeps its selection in view
        through a sort."""
        listed = self.results_model.pks()
        explained = self._last_explained
        if explained is None or explained not in listed:
            return
        index = self.results_model.index(listed.index(explained))
        if index.data(Role.ExplanationState) in ("done", "pending"):  # _note_results: on screen, of this kind of list
            self.results.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.results.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _catalogue_seen(self, revision: int | None, changed: bool = False) -> None:
        """A search found the open catalogue at import ``revision``: when a re-import moved it on since
        the last one (or ``changed``), the catalogue grid and the switcher's counts are listed again."""
        if changed or (revision is not None and self._revision is not None and revision != self._revision):
            self.request_items()
            self.relist_catalogues()
            self._read_catalogue_again()
        self._revision = revision

    def _read_catalogue_again(self) -> None:
        """A re-import from elsewhere (``sane-desktop index`` in a terminal) moved the open catalogue
        on: read its categories and the outfit's items (photo, title, category, labels) again. A
        trial saw the outfit panel keep a replaced photo and its old title while the results and
        explanations already used the new ones, and a new category missing from the lists."""
        outfit = [pk for pk in self.outfit_model.pks() if pk >= 0]  # an image from disk is not the catalogue's
        self.channels.reread.start(lambda service, _state: (service.categories(), service.item_infos(outfit)),
                                   "Reading the catalogue again…", quiet=True) \
            .on_done(self._catalogue_read_again).on_failed(lambda message: self.statusBar().showMessage(
                f"Could not read the catalogue again: {message}", 10000))

    def _catalogue_read_again(self, found: tuple[list[str], list[ItemInfo]]) -> None:
        categories, items = found
        self._set_categories(categories, keep=True)
        self._items.update({item.pk: item for item in items})
        self.outfit_panel.refresh_items(items)
        self.results_model.outfit_titles = {item.pk: item.title for item in self.outfit_model.items()}
        self.results_model.outfit_categories = {item.pk: item.category for item in self.outfit_model.items()}
        self.results_model.colour_slots = dict(self.outfit_model.colour_slots)  # the bars wear the tiles' colours

    def _outfit_items_gone(self, gone: Sequence[int], revision: int | None,
                           moved: Mapping[int, ItemInfo] | None = None) -> None:
        """A re-import removed outfit items ``gone`` from the catalogue: say so (their titles, never
        their keys), list the catalogue again, and take them out of the outfit, which searches again
        with the rest. Those ``moved`` (their photo under another item now: a renamed file or folder) stay in it as
        that item, in their places, and are said so."""
        for pk in gone:
            self._items.pop(pk, None)
        self._catalogue_seen(revision, changed=True)
        held = set(self.outfit_model.pks())
        moved = {pk: item for pk, item in (moved or {}).items() if pk in held and item.pk not in held}
        if moved:
            before = {item.pk: item for item in self.outfit_model.items()}
            self.saved_outfits.catalogue_moved({pk: item.pk for pk, item in moved.items()})  # not an edit
            self.outfit_panel.replace_items(moved)  # a new outfit: searched again (_outfit_changed)
            self._say_beside_start_note(moved_words([(before[pk], item) for pk, item in moved.items()]), 15000)
            gone = [pk for pk in gone if pk not in moved]
        titles = [item.title or item.item_id for item in self.outfit_model.items() if item.pk in set(gone)]
        if not titles:  # none of them is in the outfit any more: search the outfit as it is
            if not moved:
                self.request_search()
            return
        text = left_out_words(len(titles), titles)
        self._say_news(text, 15000)
        message_box(self, "Outfit", text, QMessageBox.Icon.Information)
        self.saved_outfits.catalogue_took(gone)  # before the removal: the catalogue's doing, not an edit
        self.outfit_panel.remove_items(list(gone))  # a new outfit: it is searched again (_outfit_changed)

    def _search_failed(self, failure: Failure) -> None:
        if self.statusBar().currentMessage() == OUTDATED_SEARCHING:
            self.statusBar().clearMessage()  # the results area says why it could not
        if isinstance(failure.error, CatalogueRemade) and self.catalogue is not None:
            self._catalogue_remade(self.catalogue.name)
            return
        text = f"Search is not available: {window_words(failure.message)}."
        self._explanation_without_results()
        if isinstance(failure.error, IndexBeingWritten):  # searched again by itself once that run ends (trial BD
            # read the refusal, with the dead run's pid, long after it ended)
            self.results.show_message(f"{html.escape(text)}<br><br>This list is searched again when that run ends "
                                      "(<a href='searchagain'>search again now</a>).", rich=True)
            self._writer_poll.start()
            return
        if isinstance(failure.error, NotIndexed) and self.catalogue is not None:  # no command line, no path here
            # (only imported, or an index stopped before its end: trial EX read "an index was stopped" of the first)
            text = f"Search is not available: “{self.catalogue.name}” {NOT_INDEXED}."
        # a re-index mends it: offered by the error's kind, whatever its words
        stale = isinstance(failure.error, StaleIndexError) and failure.error.reindex_helps and self.catalogue is not None
        if stale and self.catalogue is not None and self.catalogue.builtin \
                and self.catalogue.name not in self._auto_reindexed:
            # the built-in demo is the app's own derived data (e.g. after an update of the bundled
            # model): rebuild it without asking, once
            self._auto_reindexed.add(self.catalogue.name)
            self.reindex_catalogue()
        elif stale and self.catalogue is not None:
            self.results.show_message(
                f"{html.escape(text)}<br><br><a href='reindex'>Re-index “{html.escape(isolated(self.catalogue.name))}” "
                "now</a> (or File → Index catalogue folder… on its folder, same name).", rich=True)
        else:
            self.results.show_message(text)

    def shown_only(self) -> str:
        """What narrows the results on screen, in words ("colour: black or blue; a match of 40/100 or more"), ""
        when nothing does: said on an outfit's export (trial DE)."""
        parts = [self.filters.describe()] if self.filters.describe() else []
        if self.results.threshold.value():
            parts.append(f"a match of {self.results.threshold.value()}/100 or more")
        return "; ".join(parts)

    def _try_again(self) -> None:
        """The grid's "try again": its list, and the results, which failed with it (trial DE read "Search is not
        available" on after the grid had come back)."""
        self.request_items()
        if self.outfit_model.pks():
            self.request_search()

    def _explanation_without_results(self) -> None:
        """The results could not be listed: the explanation of one of them goes too (trial DE read one, its Export
        on, beside "Search is not available"); it comes back once the list holds its result again."""
        shown = self.explanation.shown_candidate()
        if shown is None and not self.channels.explain.busy:
            return
        self._explain_when_listed = shown
        self._discard_explanation()
        self.explanation.clear("The results could not be listed: their explanation comes back with them.")

    def _poll_index_writer(self) -> None:
        """Every :data:`WRITER_POLL_MS` while a search was refused because another run writes the index: ask
        the worker whether it still does; once it does not, search again."""
        if self.channels.writer.busy:
            return
        self.channels.writer.start(lambda service, _state: service.index_being_written(), "Waiting for the index…",
                                   quiet=True).on_done(self._index_writer_polled)

    def _index_writer_polled(self, running: bool) -> None:
        if running or not self._writer_poll.isActive():
            return
        self._writer_poll.stop()
        self.statusBar().showMessage("The other run's index is done: searched again.", 10000)
        self.request_search()

    def _items_failed(self, failure: Failure) -> None:
        self._first_hit_when_listed = False  # a later listing, of something else, does not take the keyboard
        if isinstance(failure.error, CatalogueRemade) and self.catalogue is not None:
            self._catalogue_remade(self.catalogue.name)
            return
        # the grid showed the list before this search (trial CX: "boots" in the box over every item, once the
        # server had stopped): emptied, saying why, with a way to ask again once that is mended
        self.browser_model.set_items([])
        self._items_asked = ()
        set_rich(self.browser_empty, f"The items could not be listed: {escape(window_words(failure.message))} — "
                                     "<a href='retry'>try again</a>")
        self.browser_empty.setVisible(True)
        self._report_error(failure.message)

    def _catalogue_remade(self, name: str) -> None:
        """The open catalogue's database was made anew under its name from elsewhere (a terminal's
        delete and index): it is opened again, its items and outfit those of the new database (the
        outfit's item keys are left out, and the status bar says so), never the old keys searched
        in the new one. A re-index offered here would have read the old folder into it."""
        self.results.show_message(f"“{name}” was made anew by another window or command: opening it again…")
        self._say_news(f"“{name}” was made anew by another window or command: opened again, with its new items.",
                       15000)
        self.refresh_catalogues(select=name)

    def _show_tiles(self, tiles: list[ColouredTile]) -> None:
        self.results_model.set_tiles([(coloured.tile, rgba_image(coloured.overlay)) for coloured in tiles])

    def _tiles_failed(self, failure: Failure) -> None:
        if isinstance(failure.error, explain_tasks.ResultsOutdated):  # the list is of an older index: search again
            self._results_outdated()
            return
        self.statusBar().showMessage(f"Could not explain the results: {window_words(failure.message)}", 10000)

    def _results_outdated(self) -> None:
        """The results on screen were found in an index rebuilt since (from elsewhere): forget the
        explanation shown, say so, and search again; the result it explained is explained again once the
        new list holds it (trial BR's explanation and selection were gone after the window followed a re-index)."""
        self._explain_when_listed = self.explanation.shown_candidate()
        self.explanation.clear()
        self._last_explained = None
        # said as it is now; what the search then finds (or why it cannot) is said when it answers
        # (trial R read "they were searched again" over a search that was refused)
        self.statusBar().showMessage(OUTDATED_SEARCHING)
        if self._similar_to is not None:
            self.find_similar(self._similar_to.pk)
        else:
            self.request_search()

    def _show_explanation_step(self, step: ColouredUpdate | OutfitReasonStep) -> None:
        # a result of a category ranked by looks alone is a look-alike of the outfit: the panel (and
        # its dock's title) speak of likeness, from the outfit's reason down to the pair
        pk = step.reason.candidate.pk if isinstance(step, OutfitReasonStep) else step.update.candidate_pk
        candidate = self._results.get(pk)
        self.explanation.set_look_alike(candidate is not None and candidate.item.category in self._look_alike)
        if isinstance(step, OutfitReasonStep):
            self.explanation.show_outfit_reason(step, badge_points(candidate, self.outfit_model.pks())
                                                if candidate is not None else None)
            return
        update = step.update
        outfit_item = next((i for i in self.outfit_model.items() if i.pk == update.outfit_pk), None)
        if outfit_item is None and self._similar_to is not None and self._similar_to.pk == update.outfit_pk:
            outfit_item = self._similar_to
        self.explanation.show_update(step, candidate.item if candidate else None, outfit_item)
        percent = refinement_percent(update)
        if percent is not None and self.channels.explain.busy:  # the status bar counts as the panel does
            self.activity.setText(f"Explaining… {percent}%")

    def _explained(self, update: ExplanationUpdate | None, keep_chip: bool = False) -> None:
        """A finished explanation: its result's chip names its attribute — unless it was a drill-down
        to another outfit item's pair, which is a look at one pair, not a new answer for the tile."""
        if update is not None:
            self.results_model.set_explanation(update.candidate_pk, "done", "" if keep_chip else update.attribute)
        # the click cleared the badges' note for the explanation's progress: with the pointer still on a
        # result it comes back (trial S read "Ready" under the pointer until it moved)
        if self._hovered is not None:
            self._result_hovered(self._hovered)

    def _explain_failed(self, failure: Failure, drill_down: bool = False) -> None:
        """An explanation failed: said in the panel (``drill_down``: one outfit item's pair, asked
        from the outfit's reason, which stays)."""
        if self._last_explained is not None:
            self.results_model.set_explanation(self._last_explained, "")
        error = failure.error
        if isinstance(error, explain_tasks.ResultsOutdated):  # the tiles are of an older catalogue: search again
            self._results_outdated()
            return
        if isinstance(error, (PhotoChanged, PhotoGone)):  # the tiles show the photo as it is now, not the one
            for model in (self.results_model, self.outfit_model, self.browser_model):  # loaded before (trial CM)
                model.recheck_photos()
        # the command line's words name the item code and the full path: a stylist needs neither
        if isinstance(error, PhotoChanged):
            outfit_paths = {str(item.image_path) for item in self.outfit_model.items()}
            whose = "the outfit item's photo" if error.path and error.path in outfit_paths else "this item's photo"
            named = f" ({Path(error.path).name})" if error.path else ""
            self.explanation.show_error(f"{whose} was replaced since the catalogue was indexed{named}. Re-index "
                                        "it (File → Manage catalogues… → Re-sync) to see why they match as they are now.",
                                        drill_down=drill_down)
            return
        if isinstance(error, PhotoGone):
            self.explanation.show_error(f"this item's photo ({Path(error.path).name}) is no longer in the catalogue "
                                        "folder: it was moved or deleted since indexing. Put it back, or re-index it "
                                        "(File → Manage catalogues… → Re-sync) to leave it out.", drill_down=drill_down)
            return
        self.explanation.show_error(window_words(failure.message), drill_down=drill_down)

    def _guess_failed(self, message: str) -> None:
        # the user chose it: say why in full, once ("Could not read the image: empty.jpg cannot be read as an image: …"
        # said it twice: trial DN), and what it means for the outfit
        box = self._error_box(f"Not added to the outfit: {message}")
        # the next file's question once this box is closed: both at once, its dialog covered the box (trial DO)
        box.finished.connect(lambda _result: QTimer.singleShot(0, self._next_file))

    def _image_added(self, item: ItemInfo) -> None:
        self._items[item.pk] = item
        joins = item.pk not in self.outfit_model.pks()
        self.outfit_panel.add_items([item])
        same_kind = self._same_kind_words([item]) if joins else ""
        if item.pk >= 0:  # the catalogue's own photo: the item itself joined, said so
            self.statusBar().showMessage(f"Added “{short_title(item.title or item.item_id)}”: the photo is this "
                                         f"catalogue's own item.{' ' + same_kind if same_kind else ''}", 8000)
        elif same_kind:
            self.statusBar().showMessage(same_kind, 8000)

    def _demo_ready(self, report: IndexReport) -> None:
        self.refresh_catalogues(select=report.name)

    def _show_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setVisible(True)
        if total <= 0:  # no count to give (waiting for another window's demo): a busy bar, no "0/0"
            self.progress.setRange(0, 0)
            self.activity.setText(message)
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.activity.setText(f"{message} {done}/{total}")

    def _hide_progress(self) -> None:
        self.progress.setVisible(False)

    def _note_for_user(self, text: str) -> None:
        if not self._notes_for_user:
            QTimer.singleShot(250, self._show_notes_for_user)
        self._notes_for_user.append(window_words(text))

    def _show_notes_for_user(self) -> None:
        notes, self._notes_for_user = self._notes_for_user, []
        if notes:
            said = "\n\n".join(f"{note[:1].upper()}{note[1:]}{'' if note.endswith('.') else '.'}" for note in notes)
            self.statusBar().showMessage(said.splitlines()[0], 15000)
            message_box(self, "SANE Desktop", said, QMessageBox.Icon.Information)

    def _report_error(self, message: str) -> None:
        """The task's message in full (plain text: it quotes names and folders), without blocking the
        event loop; the status bar keeps it for a while after the box is closed."""
        self._error_box(message)

    def _error_box(self, message: str) -> QMessageBox:
        """:meth:`_report_error`, giving the box shown (its ``finished`` tells when it is closed)."""
        message = window_words(message)
        self.statusBar().showMessage(f"Error: {message}", 10000)
        return message_box(self, "SANE Desktop", as_sentence(message))

    def _explanation_exported(self, path: str) -> None:
        self.settings.set("export_folder", str(Path(path).parent))
        self.statusBar().showMessage(f"Saved the explanation to {path}", 10000)

    def _say_waiting(self, what: str) -> None:
        """Say that ``what`` (a request for the worker) waits behind a long run the worker is busy with: the model,
        the database and FAISS have one worker, and trial DG's search and explanation waited 100 s behind a
        training kept running in the background, unsaid."""
        running = self.long_work()
        if running:
            self.statusBar().showMessage(f"{what} waits until the app has finished {running} (its window shows how "
                                         "far it is).", 15000)

    def long_work(self) -> str:
        """What long work is under way and would be lost by quitting ("" when none): asked of the
        tasks, never of a dialog's visibility — an index, train or adapt run goes on while its dialog
        is hidden (kept running in the background) or after another dialog replaced it."""
        def working(task: Task[Any, Any] | None) -> bool:  # a task asked to stop has nothing left to lose
            return task is not None and task.live and not task.ended and not task.stop_requested

        dialogs = self.children()
        for kind, what in ((IndexDialog, "indexing a catalogue folder"), (TrainDialog, "training a model"),
                           (AdaptDialog, "adapting the model")):
            if any(isinstance(dialog, kind) and working(dialog.task) for dialog in dialogs):
                return what
        if self.catalogue_manager is not None and self.catalogue_manager.long_work():  # trial K: quit unasked
            return self.catalogue_manager.long_work()
        build = self.channels.build.current
        if not working(build):
            return ""
        assert build is not None
        return "preparing the demo catalogue" if build.activity.startswith("Preparing the demo") else "re-indexing the catalogue"

    def _saved_outfit_changed(self) -> str:
        """The saved outfit's name when the outfit on screen is it, changed since it was saved or opened, and
        has catalogue items to save; else "" (trial BZ's leftover: Ctrl+Q left such changes unsaid)."""
        saved = self.saved_outfits
        changed = bool(saved.name) and not saved.current_name()
        return saved.name if changed and any(pk >= 0 for pk in self.outfit_model.pks()) else ""

    def _ask_to_save_changes(self) -> None:
        name = self._saved_outfit_changed()
        buttons = QMessageBox.StandardButton
        box = message_box(self, "Quit SANE Desktop?",
                          f"The saved outfit {quoted(name)} has changed since it was saved. Save the changes before "
                          "quitting? Either way the outfit comes back as it is now at the next start; not saved, "
                          f"{quoted(name)} keeps its saved items.",
                          QMessageBox.Icon.Question, buttons.Save | buttons.Discard | buttons.Cancel)
        box.button(buttons.Discard).setText("Quit without saving")
        box.setDefaultButton(buttons.Save)
        box.setEscapeButton(buttons.Cancel)
        box.setObjectName("save-changes-question")
        self.quit_question = box

        def quit_now() -> None:
            self._quit_confirmed = True
            QTimer.singleShot(0, self.close)

        def answered(_result: int) -> None:
            clicked = box.clickedButton()
            answer = box.standardButton(clicked) if clicked is not None else buttons.Cancel
            if answer == buttons.Discard:
                quit_now()
            elif answer == buttons.Save:  # the saved outfit replaced by the outfit on screen, then quit
                self.saved_outfits.save_changes(name, then=quit_now)

        box.finished.connect(answered)

    def _ask_to_quit_unremembered(self, problem: str) -> None:
        """The settings cannot be written (a full disk, a folder gone): the outfit on screen would not come
        back at the next start, as it does otherwise. Asked before quitting, with the way to keep it."""
        box, _keep, leave = self._quit_box(
            QMessageBox.Icon.Warning, "unremembered-question",
            f"{problem}.\n\nThe outfit you are building will not come back at the next start. To keep it, save it "
            f"(Outfit → Save outfit…: it goes into the catalogue's database), or {settings_remedy(problem)} and quit "
            "again.")

        def answered(_result: int) -> None:
            if box.clickedButton() is leave:
                self._quit_confirmed = True
                QTimer.singleShot(0, self.close)

        box.finished.connect(answered)
        box.open()

    def _quit_box(self, icon: QMessageBox.Icon, name: str, text: str) -> tuple[QMessageBox, QPushButton, QPushButton]:
        """A "Quit SANE Desktop?" question (plain ``text``): Keep working (the default, and Escape) or Quit anyway;
        deleted once closed, kept as :attr:`quit_question` meanwhile. Returns (box, keep, leave)."""
        box = QMessageBox(icon, "Quit SANE Desktop?", "", QMessageBox.StandardButton.NoButton, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        keep = box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)
        leave = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName(name)
        self.quit_question = box
        return box, keep, leave

    def _ask_before_quitting(self, work: str) -> None:
        box, keep, leave = self._quit_box(QMessageBox.Icon.Question, "quit-question",
                                          f"SANE Desktop is {work}. {QUIT_EFFECT.get(work, 'Quitting now stops it.')}")
        # the work may end while the question is open (a trial's index finished behind it, and the
        # box still said quitting would stop it): the question then says so
        watch = timer(box, QUIT_WATCH_MS, single_shot=False)

        def look() -> None:
            if not self.long_work():
                watch.stop()
                box.setText(f"SANE Desktop has finished {work}: nothing is lost by quitting now.")
                keep.setText("Stay")
                leave.setText("Quit")
                box.setDefaultButton(leave)

        watch.timeout.connect(look)
        watch.start()

        def answered(_result: int) -> None:
            watch.stop()
            if box.clickedButton() is leave:
                self._quit_confirmed = True
                QTimer.singleShot(0, self.close)

        box.finished.connect(answered)
        box.open()

    def _check_settings_written(self) -> None:
        """Write the settings now (the outfit being built is remembered in them) and say once, in the status
        bar and the log, when they cannot be: trial DI's full disk lost the outfit at the next start unsaid."""
        said = self.settings.unwritten
        problem = self.settings.sync()
        if problem and problem != said:  # a box, once: a status line was replaced by the start's next one (trial DL)
            logger.warning("%s", problem)
            self._note_for_user(f"{problem}: the outfit you are building will not come back at the next start (save "
                                "it: Outfit → Save outfit…)")

    def end_now(self, signal_number: int) -> None:
        """A SIGTERM, SIGHUP or SIGINT (:mod:`.termination`): quit as "Quit anyway" does, no question asked (the
        work running stopped, what it made kept or put back as a stop does; exit code 0, the quit asked for done),
        every other window (an item's detail view) closed too."""
        del signal_number  # said in the log by the handler
        self._quit_confirmed = True
        self.close()
        QApplication.quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        work = "" if self._quit_confirmed else self.long_work()
        if work:  # indexing or training would be lost: ask first
            event.ignore()
            self._ask_before_quitting(work)
            return
        problem = "" if self._quit_confirmed else self.settings.sync()
        if problem and self.outfit_model.items() and not self.shared:  # it would not come back: ask first
            event.ignore()
            self._ask_to_quit_unremembered(problem)
            return
        if not self._quit_confirmed and self._saved_outfit_changed():  # as an editor asks of a changed file
            event.ignore()
            self._ask_to_save_changes()
            return
        self.user_notes.uninstall()
        self.settings.set("geometry", self.saveGeometry())
        self.settings.set("window_state", self.saveState())
        self.settings.set("main_splitter", self.main_splitter.saveState())
        self.settings.set("opacity", self.explanation.opacity.value())
        self.settings.set("colour_map", self.explanation.colour_map.currentText())
        if problem := self.settings.sync():  # asked about above when it cost an outfit; the log keeps it
            logger.warning("%s", problem)
        super().closeEvent(event)
