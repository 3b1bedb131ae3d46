"""The model an indexing run uses, resolved and loaded once, then passed to every stage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from sane_desktop.catalogue.safepath import not_a_file, read_regular_file
from sane_desktop.errors import ModelError, WayOut
from sane_desktop.models import pick_device
from sane_desktop.models.checkpoint import (
    ModelBundle,
    bundled_model_path,
    load_checkpoint,
    shipped_with_the_app,
)
from sane_desktop.retrieval.kept_models import kept_copy_words
from sane_desktop.retrieval.manifest import MANIFEST_NAME, read_index_manifest, recorded_model_file

DEMO_NOTE = "indexed with a bundled model; a model trained on this catalogue (sane-desktop train) will do better"
# the demo model over a drawn world of the style it was trained on: a training on this catalogue (hundreds of
# items, minutes) would not beat it (a trial was told to train where the bundled model is that training)
DEMO_STYLE_NOTE = ("indexed with the bundled demo model, trained on a larger drawn catalogue of this style: "
                   "no training is needed")
DEMO_MODEL_STYLE = "classic"  # the style of the drawn catalogue demo.pt was trained on (resources/models/demo.json)


def bundled_note(path: Path, root: Path | str | None) -> str:
    """What an index run with a bundled model ``path`` says of it for catalogue folder ``root``:
    :data:`DEMO_STYLE_NOTE` for the demo model over a drawn world of its own style (``ground_truth.json``'s
    ``style``), else :data:`DEMO_NOTE` (a model trained on the catalogue would do better)."""
    from sane_desktop.models.checkpoint import demo_model_path

    if root is None or path.name != demo_model_path().name:
        return DEMO_NOTE
    try:
        truth = json.loads(read_regular_file(Path(root) / "ground_truth.json").decode("utf-8"))  # a pipe would block
    except (OSError, ValueError):
        return DEMO_NOTE
    return DEMO_STYLE_NOTE if isinstance(truth, dict) and truth.get("style") == DEMO_MODEL_STYLE else DEMO_NOTE


@dataclass(frozen=True)
class IndexModel:
    """A loaded checkpoint and where it came from (``path`` goes into the manifest)."""

    path: Path  # absolute
    bundle: ModelBundle  # on ``device``
    device: torch.device
    note: str | None = None  # set when the bundled demo model stands in for a trained one
    # what to do for another model, said by each front end (the catalogue's own model was taken)
    note_way_out: WayOut | None = None

    @property
    def content_hash(self) -> str:
        """SHA-256 hex of the checkpoint's content (covers its preprocessing): the embeddings' key."""
        return self.bundle.content_hash


NO_MATCHES_NOTE = ("this model learnt no matches (trained without outfits): every category is searched by visual "
                   "similarity, 'looks alike'")


@dataclass(frozen=True)
class RecordedModel:
    """The model file a catalogue's last index names, and the content hash of the model that file
    held then (the index manifest's ``model_hash``): the file may hold another model now (a
    ``train --out`` into the same path), which a re-index must say, not call the same model."""

    path: Path
    content_hash: str
    # the manifest named a model shipped with another install of the app: ``path`` is this install's
    # file of that name (:func:`~sane_desktop.models.checkpoint.installed_copy`)
    bundled_elsewhere: bool = False


def recorded_model(index_dir: Path, catalogue: str) -> RecordedModel | None:
    """The model file the catalogue's last index was built with, as its manifest (in ``index_dir``,
    of catalogue ``catalogue``) names it, with the hash of the model it held then: a re-index
    without ``--model`` keeps the catalogue's own model (a trial lost a trained one to the bundled
    model). None when there is no readable manifest, or it is another catalogue's. A model shipped
    with another (or an earlier) install of the app is this install's file of that name
    (``bundled_elsewhere``; None when this install has none: today's bundled model stands in).

    Raises:
        ModelError: the recorded model is not a bundled one and its file is gone (a drive not
            mounted, a file moved): indexing with the bundled model instead would replace the
            catalogue's own model without a word (a trial saw exactly that).
    """
    from sane_desktop.errors import ModelError, SaneError

    try:
        manifest = read_index_manifest(index_dir)
    except SaneError as error:  # unreadable: the re-index rebuilds it, with the model it names if it still does
        return _named_in_unreadable(index_dir, catalogue, error)
    if manifest is None or manifest.catalogue != catalogue or not manifest.model_path:
        return None
    # another install's bundled model (trial AR: loaded from there, changed): this install's of that
    # name; a copied index home's own copy of its model
    path = recorded_model_file(manifest, index_dir)
    if shipped_with_the_app(manifest.model_path) and path != Path(manifest.model_path):
        return RecordedModel(path, manifest.model_hash, bundled_elsewhere=True) if path.is_file() else None
    if path.is_file():
        return RecordedModel(path, manifest.model_hash)
    if shipped_with_the_app(path):
        return None
    raise _recorded_model_gone(path, manifest.model_hash)


def _named_in_unreadable(index_dir: Path, catalogue: str, error: Exception) -> RecordedModel | None:
    """The model an unreadable manifest still names (its ``model_path`` and ``model_hash`` as written: a hand
    edit of its category map spoils the rest, not them). Trial BA's plain re-index of such a catalogue, its
    model trained there, swapped in the bundled model with a note alone. None when it names a bundled model
    or another catalogue's; ModelError when it names none that can be read (the model is then not known)."""
    import json

    from sane_desktop.errors import ModelError

    try:
        raw = json.loads((index_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = None
    named = raw.get("model_path") if isinstance(raw, dict) else None
    if not isinstance(named, str) or not named:
        raise ModelError(f"the index manifest in {index_dir} cannot be read ({error}), so the model this catalogue "
                         "was indexed with is not known", way_out=WayOut.NAME_MODEL) from None
    if raw.get("catalogue") != catalogue:
        return None
    path = Path(named) if Path(named).is_absolute() else index_dir / named
    digest = raw.get("model_hash")
    if shipped_with_the_app(path):
        return None
    if path.is_file():
        return RecordedModel(path, digest if isinstance(digest, str) else "")
    raise _recorded_model_gone(path, digest if isinstance(digest, str) else "")


def _recorded_model_gone(path: Path, digest: str = "") -> ModelError:
    """The recorded model file is no longer there: missing, or a folder or a pipe in its place (said as
    such: "missing" sent trial BV looking for what was there), and where that model is kept when a file beside
    it holds it (``digest``: its content hash)."""
    found = not_a_file(path)
    kept = kept_copy_words(path.parent, digest, path) if digest else ""
    return ModelError(f"the model this catalogue was indexed with, {path}, is "
                      + (f"{found} now, not a model file" if found else "missing") + kept, way_out=WayOut.MODEL_GONE)


def recorded_model_note(recorded: RecordedModel, loaded_hash: str) -> str:
    """What a re-index without ``--model`` says of the model it used: the catalogue's own, as its
    index names it, or, when the file at that path holds another model now (its content hash moved
    since indexing), that plainly, with both hashes (a trial was told "the model this catalogue was
    built with" for a file retrained in place)."""
    if recorded.content_hash and recorded.content_hash != loaded_hash:
        return (f"the model file {recorded.path} changed since this catalogue was indexed "
                f"({recorded.content_hash[:12]}, now {loaded_hash[:12]}): re-indexed with the file as it is now")
    if not recorded.content_hash:  # the index recorded no hash: whether the file still holds that model is unknown
        return (f"re-indexed with the model file this catalogue's index names ({recorded.path}, now "
                f"{loaded_hash[:12]}); the index recorded no model hash, so whether it is the model it was built "
                "with is not known")
    return f"re-indexed with the model this catalogue was built with ({recorded.path})"


def trained_on(bundle: ModelBundle) -> str | None:
    """The catalogue folder ``bundle`` was trained on, as ``train`` recorded it (None: not recorded,
    e.g. a model trained before it was)."""
    recorded = bundle.config.get("trained_on")
    folder = recorded.get("folder") if isinstance(recorded, dict) else None
    return folder if isinstance(folder, str) and folder else None


def trained_elsewhere(bundle: ModelBundle, root: Path | str | None) -> str | None:
    """A note when ``bundle`` was trained on another catalogue folder than ``root``: its matches are
    that catalogue's outfits' (None when it was trained on ``root``, or it is not known where)."""
    folder = trained_on(bundle)
    if folder is None or root is None or Path(folder) == Path(root).resolve():
        return None
    return f"this model was trained on another catalogue folder ({folder}): its matches are what that one's outfits taught"


def model_origin(path: Path, bundle: ModelBundle) -> dict[str, str]:
    """Where the model at ``path`` comes from, as facts an index manifest keeps (the catalogue
    manager says them without loading the model): ``builtin`` (its file name) for a model shipped
    with the app, ``trained_on`` (the folder ``train`` recorded), ``adapted_to`` (the catalogue an
    adapt recorded); {} when none is known (a model from elsewhere, or trained before they were kept)."""
    origin: dict[str, str] = {}
    if shipped_with_the_app(Path(path)):
        origin["builtin"] = Path(path).name
    folder = trained_on(bundle)
    if folder is not None:
        origin["trained_on"] = folder
    adapted = bundle.config.get("adapted_to")
    if isinstance(adapted, dict) and isinstance(adapted.get("catalogue"), str) and adapted["catalogue"]:
        origin["adapted_to"] = adapted["catalogue"]
    return origin


def load_index_model(model_path: Path | str | None, device: str | torch.device | None = None,
                     root: Path | str | None = None, recorded: RecordedModel | None = None) -> IndexModel:
    """Load ``model_path`` (when None: ``recorded``, the catalogue's own model from its index
    manifest (:func:`recorded_model`), else the bundled model for the catalogue folder ``root``:
    :func:`~sane_desktop.models.checkpoint.bundled_model_path`) onto ``device`` (CUDA when present).
    The note says which (:func:`recorded_model_note`: also when the recorded file holds another
    model now).

    Raises :class:`~sane_desktop.models.checkpoint.CheckpointError` (a ModelError) for a missing,
    foreign or corrupt checkpoint.
    """
    note, note_way_out = None, None
    own = model_path is None and recorded is not None  # the catalogue's own model, as its index names it
    if model_path is None and recorded is not None:
        model_path = recorded.path
    elif model_path is None:
        model_path = bundled_model_path(root)
        note = bundled_note(Path(model_path), root)
    path = Path(model_path).resolve()
    torch_device = pick_device(device)
    bundle = load_checkpoint(path, map_location=torch_device)
    if own and recorded is not None and recorded.bundled_elsewhere:  # the bundled model, as from no index
        said = bundled_note(path, root)
        note = said if recorded.content_hash in ("", bundle.content_hash) else (
            f"{said}; this install's {path.name} is another model than the one the catalogue was indexed with "
            f"({recorded.content_hash[:12]}, now {bundle.content_hash[:12]})")
    elif own and recorded is not None:  # said once the file is read: it may hold another model now
        note, note_way_out = recorded_model_note(recorded, bundle.content_hash), WayOut.OTHER_MODEL
    elsewhere = trained_elsewhere(bundle, root) if not shipped_with_the_app(path) else None
    if elsewhere is not None:
        note = elsewhere if note is None else f"{note}; {elsewhere}"
    if not bundle.matched_categories:  # trained without outfits: its type spaces were never fitted
        note = NO_MATCHES_NOTE if note is None else f"{note}; {NO_MATCHES_NOTE}"
    return IndexModel(path, bundle, torch_device, note, note_way_out)
