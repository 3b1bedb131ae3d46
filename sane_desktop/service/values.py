"""Plain values the application layer returns: frozen dataclasses that cross threads and front ends."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # the indexing pipeline loads torch and FAISS: only its type is needed here
    # numpy too: the arrays only cross here, and the window imports these values before numpy loads
    import numpy as np

    from sane_desktop.retrieval.indexing import IndexSummary
    from sane_desktop.training.budget import BudgetStop

K = TypeVar("K")  # an outfit item's key: its pk (the service) or its label (the CLI's JSON)

ALL_CATEGORIES = ""  # target "all": one ranked list per category
TILE_MAP_SIDE = 56  # tile overlays: the 7×7 cell map upsampled, smooth at the 128 px thumbnail
OUTFIT_NAME_LENGTH = 200  # characters of a saved outfit's name (store.outfits.NAME_LENGTH, its column's size)


@dataclass(frozen=True)
class CatalogueInfo:
    name: str
    db_path: Path
    items: int
    format: str
    root: str
    outfits: int
    builtin: bool = False  # the app's own demo catalogue: derived data, rebuilt without asking
    uid: str = ""  # the catalogue row's token (catalogues.uid): a database made anew has another
    revision: int = 0  # its import revision as listed (an index built at another is out of date)
    # whether an index was ever written to its end (a manifest in its folder): the switcher marks one that was
    # not (trial BD read a stopped first index listed like any other); True where not looked at
    indexed: bool = True


@dataclass(frozen=True)
class BuiltinModelReport:
    """What going back to the built-in model did (:meth:`CatalogueService.use_builtin_model`): the index
    run, the built-in model's file name, and where the catalogue's own model files were kept."""

    indexed: IndexReport
    model_name: str
    set_aside: tuple[str, ...] = ()
    # an earlier model kept before, renamed so that the own model takes its place (model.set-aside.previous.pt)
    earlier_set_aside: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnreadableCatalogue:
    """A folder under the index home whose database cannot be listed, and why (one line)."""

    name: str  # the folder's name
    db_path: Path
    reason: str
    # where its database is when that is a server (the manifest's location, no password): not damage, but
    # not opened by a listing of local databases (trial AW read "its database is gone" of every one)
    on_server: str = ""
    passing: bool = False  # the reason is outside the file (a full disk, a lock): not damage, it opens later


@dataclass(frozen=True)
class CatalogueListing:
    """What :meth:`Catalogues.scan` found: the catalogues that open, and the folders that do not
    (one broken database never hides the others)."""

    catalogues: tuple[CatalogueInfo, ...]
    unreadable: tuple[UnreadableCatalogue, ...]


@dataclass(frozen=True)
class ItemInfo:
    pk: int  # database primary key = FAISS id; negative for an image added from disk
    item_id: str  # the catalogue's own id (the file name for an image from disk)
    category: str
    title: str
    image_path: Path  # absolute
    content_hash: str
    attributes: tuple[str, ...] = ()
    # the title as the catalogue gives it ("Item 33"), where ``title`` is one composed for a code
    # (service.titles.readable_title): "" when they are the same
    catalogue_title: str = ""

    @property
    def from_disk(self) -> bool:
        return self.pk < 0


@dataclass(frozen=True)
class ItemText:
    """An item's longer text, for its details: the catalogue's fine product type ("Vest top") and
    description, "" where the catalogue has none."""

    product_type: str = ""
    description: str = ""


@dataclass(frozen=True)
class SearchResult:
    item: ItemInfo
    score: float
    # outfit item pk -> its part of the score (Σ parts = score); drives "best matching outfit item"
    contributions: dict[int, float] = field(default_factory=dict)
    # ranked in the general space alone ("visually similar": one item, the cosine of the general
    # embeddings): explain it there too (``explain(..., general=True)``)
    general: bool = False
    # outfit items whose pair with this result is in a space the model never learnt: their 0 in
    # ``contributions`` is "not compared", not a measured part of the match
    not_compared: frozenset[int] = frozenset()
    # those of them in the result's own model category (an alternative to it: no type space pairs a
    # category with itself), as opposed to a pair of categories the model learnt no matches for
    alternatives: frozenset[int] = frozenset()

    def best_outfit_item(self) -> int | None:
        """The compared outfit item with the largest part of the score (the pair explained first);
        None without one. An uncompared item is never it, even when every compared part is negative."""
        return best_compared(self.contributions, self.not_compared)

    def compared(self) -> int:
        """How many outfit items it was compared with: its 0–100 match is their mean cosine
        (:func:`~sane_desktop.service.match_score.compared_count`)."""
        from sane_desktop.service.match_score import compared_count

        return compared_count(self.contributions, self.not_compared)


def best_compared(contributions: Mapping[K, float], not_compared: Collection[K]) -> K | None:
    """The key of the largest of ``contributions`` among keys not in ``not_compared`` (the first on a
    tie); None when none is left."""
    compared = [pk for pk in contributions if pk not in not_compared]
    return max(compared, key=contributions.__getitem__) if compared else None


@dataclass(frozen=True)
class AttributeScore:
    name: str
    total: float
    confidence: float
    match: float
    prior: float
    partner: float = 1.0  # probability the paired item has it too
    base_rate: float = 1.0  # share of the training items labelled with it (1: unknown)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": round(self.total, 5), "confidence": round(self.confidence, 5),
                "match": round(self.match, 5), "prior": round(self.prior, 5), "partner": round(self.partner, 5),
                "base_rate": round(self.base_rate, 5)}


@dataclass(frozen=True)
class PairExplanation:
    """Why ``query`` matches ``candidate`` (SANE): saliency maps of both images in the pair's type
    space, the query's ranked explaining attributes and where the attribute net sees the first ones.
    The CLI's ``explain`` and the window's first (fast) view are both this, from the same code."""

    query: ItemInfo
    candidate: ItemInfo
    method: str  # a name of explain's registry: fast, rise, sliding, random
    space: int  # the type space (pair of categories) of the comparison
    similarity: float  # cosine of the two items in that space
    seconds: float
    forward_passes: int
    query_map: np.ndarray  # (S, S) float32 over the model's centre crop of the query
    candidate_map: np.ndarray  # (S, S) float32 over the candidate's crop
    attributes: tuple[AttributeScore, ...]
    # name -> (query map, candidate map): activation maps (logits) of the first-ranked attributes
    attribute_maps: dict[str, tuple[np.ndarray, np.ndarray]]
    selection_tuned: bool
    model_hash: str
    cached: bool = False
    # why no attribute is named ("" when one is): a flat map, or none likely on both items (issue 17)
    abstained: str = ""
    # the key of everything it was derived from (explain.cache.ExplanationIdentity's inputs: the model, both photos
    # and their labels, the method and its settings, the attribute selection, the type space; not the program's
    # own code, so that another build of the same inputs keys alike); "" unknown
    derived_from: str = ""

    @property
    def attribute(self) -> str | None:
        return self.attributes[0].name if self.attributes and not self.abstained else None


@dataclass
class ExplanationUpdate:
    """One step of an explanation: the fast map first, then progressive refinements (``final``)."""

    candidate_pk: int
    outfit_pk: int
    method: str
    candidate_map: np.ndarray  # (H, W) float32 over the model's centre crop
    outfit_map: np.ndarray
    candidate_image: np.ndarray  # (H, W, 3) uint8 centre crop the maps align with
    outfit_image: np.ndarray
    similarity: float
    seconds: float
    final: bool
    attributes: list[AttributeScore] = field(default_factory=list)
    detail: str = ""
    # where the attribute net sees each of the first-ranked attributes: name -> (candidate map,
    # outfit item map), SANE's attribute activation maps (logits) at the crop size
    attribute_maps: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    abstained: str = ""  # why no attribute is named ("" when one is; the ranking is still listed)
    selection_tuned: bool = True  # False: the attribute was ranked by untuned default weights
    general_space: bool = False  # compared in the general space (how alike they look), not a type space
    # the two items' titles as the worker read them with the maps: a caption never names another item
    # (a trial's panel kept an earlier catalogue's "Trainers" over a result no longer listed)
    candidate_title: str = ""
    outfit_title: str = ""

    @property
    def attribute(self) -> str:
        return self.attributes[0].name if self.attributes and not self.abstained else ""


@dataclass(frozen=True)
class TileExplanation:
    """The fast explanation of one result tile: its pair with the strongest outfit item."""

    candidate_pk: int
    outfit_pk: int
    similarity: float  # cosine in the pair's type space = that outfit item's part of the score
    candidate_map: np.ndarray  # (S, S) float32 over the model's centre crop, S = the tile map size
    attributes: tuple[AttributeScore, ...] = ()
    abstained: str = ""  # why no attribute is named ("" when one is)

    @property
    def attribute(self) -> AttributeScore | None:
        return self.attributes[0] if self.attributes and not self.abstained else None


PRESELECT_SHARE = 0.5  # a best guess under an even chance is shown ranked, not chosen


@dataclass(frozen=True)
class CategoryGuess:
    """Categories for an image from disk, most likely first, with their cosine to each category's centre
    in ImageNet features (:mod:`sane_desktop.retrieval.category_guess`)."""

    path: Path
    ranked: tuple[tuple[str, float], ...]
    preview: np.ndarray | None = None  # (h, w, 3) uint8, longer side ≤ PREVIEW_SIDE: decoded bounded, off the GUI thread
    content_hash: str = ""  # SHA-256 of the bytes guessed and previewed: adding it embeds that photo or refuses
    temperature: float = 0.05  # cosines -> shares: softmax(cosine / temperature), fitted on the sample
    # how often the guess was right for the catalogue's own sample photos, each held out in turn
    # (None: nothing could be held out, as with one photo per category)
    reliability: float | None = None
    sample: int = 0  # photos the category centres came from
    # the least cosine with their own category's centre of 95 % of the sample's photos held out: a photo whose
    # best cosine is under it looks unlike every category (None: not measured)
    least_alike: float | None = None
    # the catalogue's items whose photo is this very file (the same bytes): their category is no guess
    same_photo: tuple[ItemInfo, ...] = ()

    @property
    def known_category(self) -> str:
        """The category of the catalogue's items with this very photo, "" when none has it or they
        disagree (one photo filed under two categories is left to the user)."""
        categories = {item.category for item in self.same_photo}
        return next(iter(categories)) if len(categories) == 1 else ""

    @property
    def unlike_every_category(self) -> bool:
        """Whether the photo is less alike to its closest category than 95 % of the catalogue's own photos
        are to theirs: likely a kind of item the catalogue does not have. Never for one of the catalogue's
        own photos (about 5 % of them are that unlike by the rule's own definition)."""
        if self.same_photo:
            return False
        return bool(self.ranked) and self.least_alike is not None and self.ranked[0][1] < self.least_alike

    @property
    def shares(self) -> dict[str, float]:
        """Category -> share of belief in [0, 1], summing to 1 (softmax of the cosines / temperature)."""
        if not self.ranked:
            return {}
        top = max(cosine for _name, cosine in self.ranked)
        weights = {name: math.exp((cosine - top) / self.temperature) for name, cosine in self.ranked}
        total = sum(weights.values())
        return {name: weight / total for name, weight in weights.items()}

    @property
    def percents(self) -> dict[str, int]:
        """:attr:`shares` as whole percents that add up to 100 (largest remainders: each rounded alone, three
        even shares read 33 + 33 + 33 %, trial CC), as the dialog shows them."""
        from sane_desktop.service.match_score import whole_percents

        shares = self.shares
        return dict(zip(shares, whole_percents(list(shares.values()))))

    @property
    def reliable(self) -> bool:
        """Whether the best guess is worth preselecting: the sample's held-out photos were guessed right at
        least half the time and at least three times as often as chance would (two categories: 3 in 4)."""
        categories = len(self.ranked)
        if self.reliability is None or categories < 2 or math.isnan(self.reliability):
            return False
        return self.reliability >= max(0.5, min(0.75, 3.0 / categories))

    @property
    def preselected(self) -> str:
        """The category to choose for the user, "" for none: the category of the catalogue's items with this
        very photo; else a guess with a good track record here, for a photo like the catalogue's own, more
        likely than not (trial BU: a beanie preselected at 41 %)."""
        if self.known_category:
            return self.known_category
        if not self.reliable or self.unlike_every_category:
            return ""
        return self.best if self.shares.get(self.best, 0.0) >= PRESELECT_SHARE else ""

    @property
    def best(self) -> str:
        return self.ranked[0][0] if self.ranked else ""


REIMPORTED = "re-imported since indexing"  # a catalogue listing's stale reason, before the revisions


@dataclass(frozen=True)
class OpenedCatalogue:
    """What opening a catalogue tells the window: the catalogue, its categories, whether it can train."""

    info: CatalogueInfo
    categories: tuple[str, ...]
    has_outfits: bool
    can_train: bool = False  # outfits, or labelled attributes to train the attribute network alone
    # its metadata files changed since the import (CatalogueItems.metadata_changed): shown as imported
    metadata_changed: tuple[str, ...] = ()
    metadata_gone: tuple[str, ...] = ()  # those of them no longer there: a re-sync needs them back
    folder_gone: bool = False  # its photo folder is not there (moved, renamed): said when it opens (trial W)
    # its index's model learnt matches for some of its categories (the manifest maps one to a model
    # category); False: every category is compared by looks (a model trained on it without outfits: trial AX
    # read "learnt from other catalogues' outfits" over a model that learnt none); True when not indexed
    matches_learnt: bool = True
    # the folder holding its index manifest (a local catalogue's): a window watches it, so that a re-index
    # from a terminal is noticed without a click or a window manager's activation (trial BM); "" for none
    index_folder: str = ""
    # some item has a labelled attribute: the catalogue's search box offers them (a folder tree's has none:
    # trial BW typed "black" under "Search titles and attributes" and found nothing)
    has_attributes: bool = True
    # why a search would refuse its index as it is ("" when it would not, or there is none: Catalogues'
    # index_refusal), said as it opens: a user learnt it only from the first search, outfit built
    index_refusal: str = ""


def value_note_line(note: Mapping[str, str]) -> str:
    """An import's note on a table value (``values`` in its summary: a category outside the mapping's
    category_map, a placeholder read as no value, a label too long to store) on one line: ``TABLE: item
    ID: reason``, each part when known (trial AY read "products.json: its colour label …" naming no item).
    The command line and the window's index summary both list them so."""
    where = f"{note['path']}: " if note.get("path") else ""
    item = f"item {note['id']}: " if note.get("id") else ""
    return f"{where}{item}{note['reason']}"


@dataclass(frozen=True)
class SkippedFile:
    """One file an import passed over, with its reason (``kind``: image, item, outfit, …)."""

    id: str
    path: str
    reason: str
    kind: str

    @property
    def is_file(self) -> bool:
        """A file left out (an item, or a file or folder that is no item), not an outfit or a
        question that lost one."""
        return self.kind in ("item", "metadata")

    def line(self) -> str:
        """``kind id (path): reason``, the path left out when there is none (an outfit, a question);
        a file or folder that is no item (no id) by its path alone."""
        where = f" ({self.path})" if self.path else ""
        if not self.id:  # a file or folder that is no item
            return f"{self.path or '(catalogue folder)'}: {self.reason}"
        return f"{self.kind} {self.id}{where}: {self.reason}"


@dataclass(frozen=True)
class IndexReport:
    """The result of importing and indexing a folder: ``imported`` (the import summary as a dict)
    and ``indexed`` (``retrieval.indexer.IndexSummary``) are the core's own, kept whole for the
    CLI's ``--json``."""

    name: str
    items: int
    outfits: int
    skipped: tuple[SkippedFile, ...]
    vectors: dict[str, int]  # category -> vectors in its index
    seconds: float
    imported: dict[str, Any]
    indexed: IndexSummary
    # which database the index was built from, as its manifest records it ("" / None: no manifest written,
    # a shard worker's that left the build to another): query --json's catalogue_uid and catalogue_revision
    uid: str = ""
    revision: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The CLI's JSON: the import summary with the index summary under ``index``."""
        return {**self.imported, "index": self.indexed.as_dict()}

    @property
    def mapped(self) -> dict[str, tuple[str, str]]:
        """Catalogue category -> (the model category it is searched as, or general; how that was
        decided: exact, auto, user or general)."""
        return {name: (target, self.indexed.mapped_how.get(name, "")) for name, target in self.indexed.mapped.items()}

    @property
    def by_looks(self) -> list[str]:
        """The categories compared by looks because the model learnt no matches for them (not by the user's
        choice), by name: what a change of model says beside its counts, as `index` does."""
        return sorted(name for name, (target, how) in self.mapped.items() if target == GENERAL_CATEGORY and how != "user")

    @property
    def model_words(self) -> str:
        """The model it indexed with, as a stylist tells the app's own apart ("built into the app (its
        model for real photos)"), else its file name."""
        from sane_desktop.retrieval.manifest import BUILTIN_WORDS

        name = Path(self.indexed.model).name
        return BUILTIN_WORDS.get(name, name)

    @property
    def bundled_photo_model(self) -> bool:
        """Whether it indexed with the app's bundled model for real photos (the general pretrained-trunk
        model): a catalogue of its own outfits or labels would do better with a model trained on it."""
        from sane_desktop.retrieval.manifest import BUILTIN_WORDS

        return self.model_words == BUILTIN_WORDS["general.pt"]


# validation FITB questions below which a figure is mostly noise: a best epoch, or two models, cannot be
# told apart on fewer (the window's training comparison, its result line, ``train`` and ``evaluate``)
FEW_QUESTIONS = 20


@dataclass(frozen=True)
class TrainReport:
    """A model trained on a catalogue (and the catalogue re-indexed with it, when trained in the app)."""

    model: Path
    content_hash: str
    epochs: int
    best_epoch: int
    valid_fitb: float | None
    valid_map: float | None
    seconds: float
    vectors: dict[str, int] | None = None  # after the re-index; None when not re-indexed
    kept: str = ""  # why the catalogue kept its current model ("" when the new one replaced it)
    # how the new model was compared with the current one before it replaced it, or why it was not
    # ("" when no comparison was asked for: the command line's train)
    compared: str = ""
    valid_questions: int | None = None  # the validation FITB questions that chose the best epoch
    # how the time budget ended the run before the epochs asked for, or cut its last epoch short
    budget_stop: BudgetStop | None = None
    # what the explanation's attribute choice was fitted on ("": not fitted, the default weights)
    selection: str = ""
    previous: str = ""  # where the catalogue's own model it replaced is kept ("" : none was replaced)


@dataclass(frozen=True)
class AdaptReport:
    """A model adapted to a catalogue's images (BatchNorm statistics), and the re-index that followed."""

    model: Path
    content_hash: str
    images: int
    skipped: int
    vectors: dict[str, int] | None = None
    previous: str = ""  # where the catalogue's own model it replaced is kept ("" : none was replaced)


GENERAL_CATEGORY = "general"  # a catalogue category's target when it is compared by visual similarity


@dataclass(frozen=True)
class CategoryChoice:
    """One catalogue category in a mapping plan: what indexing would search it as without asking
    (``automatic``: the model category of its name, else general), the user's earlier choice still
    in force (``current``), and a proposal with its reason (``suggested``; the automatic target when
    there is one)."""

    category: str
    items: int
    automatic: str  # a model category, or GENERAL_CATEGORY
    suggested: str  # a model category, or GENERAL_CATEGORY
    reason: str
    current: str | None = None  # the user's choice recorded by the last index, when it still applies

    @property
    def preselected(self) -> str:
        """What a chooser starts on: the user's earlier choice, else the automatic mapping — what
        ``index`` without a map does. Never the suggestion: a guess (a centre of embeddings can put
        shoes nearest to tops) is applied only when the user picks it, in the CLI and the window alike."""
        return self.current if self.current is not None else self.automatic

    @property
    def open_suggestion(self) -> bool:
        """A suggestion other than what the chooser starts on, for the user to take or leave."""
        return self.suggested != GENERAL_CATEGORY and self.suggested != self.preselected


@dataclass(frozen=True)
class CategoryPlan:
    """How a folder's categories would be searched with a model (issue 16): one row per catalogue
    category. The index dialog shows it when :attr:`needs_choice`, and indexes with
    :meth:`choices` of what the user picked."""

    model: Path
    model_categories: tuple[str, ...]
    rows: tuple[CategoryChoice, ...]

    @property
    def needs_choice(self) -> bool:
        """Some category has no model category of its name, or carries an earlier choice."""
        return any(row.automatic == GENERAL_CATEGORY or row.current is not None for row in self.rows)

    def choices(self, picked: dict[str, str]) -> dict[str, str]:
        """The category map to index with from the targets ``picked`` per category: those that
        differ from the automatic mapping (the rest needs no choice)."""
        automatic = {row.category: row.automatic for row in self.rows}
        return {name: target for name, target in picked.items() if name in automatic and target != automatic[name]}


@dataclass(frozen=True)
class FolderReport:
    """What "Index catalogue folder…" shows before starting."""

    root: Path
    format: str
    items: int  # items whose photo file is there (not yet decoded)
    name: str
    # table rows or files the read refused, and items whose photo file is missing: indexing skips
    # them and names each (trial P read "7 items found" where 5 were indexed)
    left_out: int = 0
    # the name of the mapping built into the app that reads this folder's table ("" : none; the folder's own
    # sane-mapping.json, or no table): said, with what it does (trial DA never learnt H&M's layout was known)
    shipped_mapping: str = ""
    # a folder read by its folders: the product table at its top it does not read ("" : none), which a
    # sane-mapping.json drafted from its columns would (service.column_mapping; the dialog's "Read its columns…")
    unread_table: str = ""
    outfits: int = 0  # outfits its metadata lists (before the items they name are read)
    # the catalogues already built from this folder (sorted; ``name`` is the first, or the folder's own name when
    # that is one of them): indexing it again under that name updates it, not a second catalogue of it
    indexed_as: tuple[str, ...] = ()


def device_name() -> str:
    """CUDA GPU name, or "CPU"."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return "CPU"


def library_versions() -> dict[str, str]:
    """Versions of the app and of the libraries it computes with, for an About box or a bug report."""
    import platform

    import faiss
    import sqlalchemy
    import torch

    from sane_desktop import __version__

    return {"SANE Desktop": __version__, "Python": platform.python_version(), "PyTorch": torch.__version__,
            "FAISS": getattr(faiss, "__version__", "?"), "SQLAlchemy": sqlalchemy.__version__}


# --- saved outfits (issue 18, point 12) ------------------------------------------------------------

@dataclass(frozen=True)
class SavedOutfitInfo:
    """One saved outfit of the open catalogue, as the "Open saved outfit" list shows it."""

    pk: int
    name: str
    saved_items: int  # how many items were saved
    items: int  # how many are still in the catalogue (a re-import may have removed some)
    created_at: str  # ISO 8601, UTC
    updated_at: str
    replaced: int = 0  # how many of its items' photos are not those it was saved with (replaced in the folder)

    @property
    def missing(self) -> int:
        return max(0, self.saved_items - self.items)


@dataclass(frozen=True)
class SavedOutfit:
    """What :meth:`SavedOutfits.save` stored: ``left_out`` images from disk are never saved."""

    pk: int
    name: str
    items: int
    left_out: int
    replaced: bool  # an outfit of that name was overwritten


@dataclass(frozen=True)
class LoadedOutfit:
    """A saved outfit to rebuild: its catalogue item keys in order; ``missing`` of the saved items
    are no longer in the catalogue (a re-import removed them); ``missing_ids``: the catalogue ids
    they had, where the outfit recorded them (by position; fewer than ``missing`` for an old save);
    ``replaced_ids``: the catalogue ids of its items whose photo is not the one it was saved with (replaced under
    the same name, and indexed again)."""

    pk: int
    name: str
    item_pks: tuple[int, ...]
    missing: int
    missing_ids: tuple[str, ...] = ()
    replaced_ids: tuple[str, ...] = ()
