"""The open catalogue's model and the per-item model inputs: image tensors, centre crops, and the
per-cell outputs the indexer stored (or computed now for what it did not)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sane_desktop.catalogue.safepath import NotRegularFile, not_a_file, read_regular_file
from sane_desktop.errors import ModelError, NotFound, PhotoChanged, PhotoGone, StaleIndexError, WayOut
from sane_desktop.models import pick_device
from sane_desktop.models.checkpoint import ModelBundle, load_checkpoint
from sane_desktop.retrieval.category_map import GENERAL, target_of
from sane_desktop.service.items import CatalogueItems
from sane_desktop.service.values import ItemInfo
from sane_desktop.store import browse

log = logging.getLogger(__name__)


def _file_identity(path: Path) -> list[int] | None:
    """:func:`~sane_desktop.retrieval.indexing.digests.file_identity` (device, inode, size, mtime
    and ctime: any write changes it); None when the file cannot be read."""
    from sane_desktop.retrieval.indexing.digests import file_identity

    try:
        return file_identity(path)
    except OSError:
        return None


def _photo_gone(item: ItemInfo) -> PhotoGone:
    """The one error for an item whose photo left the folder after indexing (the window turns it
    into a stylist's words by its type)."""
    return PhotoGone(f"the image of {item.item_id} is gone from {item.image_path} (moved or deleted since "
                     "indexing): put it back, or re-index to leave it out", path=str(item.image_path))


class ModelContext:
    """One checkpoint, loaded on first use on ``device``, and what it computes per item.

    ``path`` is fixed for the object's life: a new model is a new context, so nothing computed
    with the old one (tensors of another preprocessing, cells of another trunk) can leak."""

    def __init__(self, path: Path, device: str | None = None) -> None:
        self.path = Path(path)
        self.device = torch.device(device) if device else pick_device()
        self._bundle: ModelBundle | None = None
        # keyed by (pk, indexed content hash): a re-index that changed an image is another entry
        self._images: dict[tuple[int, str], torch.Tensor] = {}
        self._crops: dict[tuple[int, str], np.ndarray] = {}
        self._verified: set[tuple[Path, str]] = set()
        self._file: list[int] | None = None  # the model file's identity when it was loaded
        self._other: tuple[list[int] | None, str] | None = None  # (identity, hash) of another model found there

    def bundle(self) -> ModelBundle:
        """The checkpoint, in eval mode on the device; raises :class:`ModelError` when missing."""
        if self._bundle is None:
            if not self.path.is_file():
                found = not_a_file(self.path)  # a folder or pipe there now: not "missing" (trial BV)
                raise ModelError(f"the model {self.path} is {f'{found} now, not a model file' if found else 'missing'}"
                                 f"{_kept_words(self.path)}: restore it, or re-index the catalogue with another model")
            self._file = _file_identity(self.path)  # before the read: a write during it shows as a change
            bundle = load_checkpoint(self.path, map_location="cpu")
            bundle.compatibility.to(self.device).eval()
            if bundle.attributes is not None:
                bundle.attributes.to(self.device).eval()
            self._bundle = bundle
        return self._bundle

    def file_now_holds(self) -> str | None:
        """The content hash of the model the file at :attr:`path` holds now when it is no longer the
        one loaded ("" when it is gone or unreadable); None when it is the same (or nothing is loaded
        yet). A ``stat`` while the file's size, time and inode hold; its recorded hash is read only when
        they moved. A window keeps answering with the model in memory: this says the file changed."""
        from sane_desktop.models.checkpoint import stored_content_hash

        if self._bundle is None:
            return None
        now = _file_identity(self.path)
        if now is not None and now == self._file:
            return None
        if self._other is not None and self._other[0] == now:  # refused before: not read again each search
            return self._other[1]
        stored = stored_content_hash(self.path) if now is not None else None
        if stored == self._bundle.content_hash:
            self._file = now  # rewritten with the same model (a copy, a touch): the same model
            return None
        self._other = (now, stored or "")
        return self._other[1]

    def verify(self, item: ItemInfo, *, fresh: bool = False) -> None:
        """Check that the item's file is still the picture that was indexed (its SHA-256 against
        the ``content_hash`` the import recorded), once per file and content for the context's
        life, or every time with ``fresh`` (an explanation: a trial replaced an outfit item's photo
        after it had been explained once, and the next explanation went on from the picture kept in
        memory while the window showed the file). Search ranks the indexed picture; explaining
        another one would disagree with it.

        Raises :class:`StaleIndexError` when the file changed, NotFound when it cannot be read.
        An item without a recorded hash (a reader that did not hash) is not checked."""
        key = (item.image_path, item.content_hash)
        if not item.content_hash or (key in self._verified and not fresh):
            return
        self._read_verified(item)

    def _read_verified(self, item: ItemInfo) -> bytes:
        """The bytes of the item's file, checked against its recorded hash (:meth:`verify`'s errors).
        A picture is decoded from these very bytes: a check remembered from earlier, or a second
        read, would let a file replaced in the meantime be drawn as the indexed photo."""
        path = item.image_path
        try:
            data = read_regular_file(path)  # a FIFO would block a plain read forever
        except NotRegularFile:
            raise PhotoChanged(f"{path} is no longer a regular file: re-index", path=str(path)) from None
        except FileNotFoundError:
            raise _photo_gone(item) from None
        except OSError as error:
            raise NotFound(f"cannot read the image of {item.item_id} ({path}: {error.strerror})") from None
        if item.content_hash and hashlib.sha256(data).hexdigest() != item.content_hash:
            raise PhotoChanged(f"{path} changed since the catalogue was indexed", path=str(path),
                               way_out=WayOut.REBUILD)
        if item.content_hash:
            self._verified.add((path, item.content_hash))
        return data

    def image(self, item: ItemInfo) -> torch.Tensor:
        """Normalised (3, S, S) tensor of an item, cached for the context's life; raises
        StaleIndexError when its file is no longer the indexed picture (:meth:`verify`)."""
        key = (item.pk, item.content_hash)
        if key not in self._images:
            from sane_desktop.models.preprocess import load_image_tensor

            self._images[key] = self._load(item, load_image_tensor)
        return self._images[key]

    def _load(self, item: ItemInfo, loader: Callable[[Path, Any, bytes], torch.Tensor]) -> torch.Tensor:
        """``loader(path, preprocessing, data)`` of the item's file, read once and checked
        (:meth:`_read_verified`) before it is decoded."""
        data = self._read_verified(item)
        return loader(item.image_path, self.bundle().preprocessing, data)

    def crop_rgb(self, item: ItemInfo) -> np.ndarray:
        """(S, S, 3) uint8 centre crop of the item: the picture its maps align with (verified and
        cached like :meth:`image`)."""
        key = (item.pk, item.content_hash)
        if key not in self._crops:
            from sane_desktop.models.preprocess import load_image_uint8

            self._crops[key] = self._load(item, load_image_uint8).permute(1, 2, 0).numpy()
        return self._crops[key].copy()  # a caller may draw on it

    def model_category(self, category: str, mapping: Mapping[str, str] | None = None) -> str:
        """The model category a catalogue category is compared as, or ``general``: ``mapping``'s
        (the index manifest's category map) when it names one the model has, else the automatic
        one (same name, or up to case and plural; else general). Never raises."""
        return target_of(category, self.bundle().matched_categories, mapping)

    def space(self, a: ItemInfo, b: ItemInfo, mapping: Mapping[str, str] | None = None, *,
              general: bool = False) -> int:
        """The type space in which ``a`` and ``b`` are compared: their categories' pair, or the
        general space when either category is compared there (``mapping``: catalogue category ->
        model category or general, see :meth:`model_category`) or ``general`` is asked for (a
        "visually similar" result)."""
        net = self.bundle().compatibility
        if general:
            return net.general_space
        first, second = self.model_category(a.category, mapping), self.model_category(b.category, mapping)
        if GENERAL in (first, second):
            return net.general_space
        return net.space_index(net.categories.index(first), net.categories.index(second))

    def cells(self, items: Sequence[ItemInfo], catalogue: CatalogueItems | None) -> np.ndarray:
        """(N, K, D) float32 per-cell outputs u_k: stored by the indexer (float16) for catalogue
        items whose stored digest matches the item row (:func:`browse.stored_cells`), computed at
        embedding time for images from disk, else computed now in one batch from the verified photo."""
        net = self.bundle().compatibility
        stored: dict[int, np.ndarray] = catalogue.disk_cells() if catalogue is not None else {}
        wanted = [item.pk for item in items if item.pk not in stored]
        if wanted and catalogue is not None:
            verified, rejected = browse.stored_cells(catalogue.engine, self.bundle().content_hash, wanted)
            for pk, blob in verified.items():
                cells = np.frombuffer(blob, dtype=np.float16)
                if cells.size % net.embed_dim:  # not this model's shape: computed below like the others
                    rejected.append(pk)
                    continue
                stored[pk] = cells.reshape(-1, net.embed_dim)
            if rejected:  # another item's map is never drawn: these are computed from their (verified) photos
                names = sorted({item.item_id for item in items if item.pk in set(rejected)})
                log.info("stored per-cell outputs of %s do not match their digest (swapped, damaged, or written "
                         "before digests): computed from the photos instead", ", ".join(names[:10]))
        missing = [item for item in items if item.pk not in stored]
        if missing:
            with torch.inference_mode():
                batch = torch.stack([self.image(item) for item in missing]).to(self.device)
                computed = net.cells(batch).float().cpu().numpy()
            stored.update({item.pk: cells for item, cells in zip(missing, computed)})
        return np.stack([np.asarray(stored[item.pk], dtype=np.float32) for item in items])


def _kept_words(path: Path) -> str:
    """Where the model the index beside ``path`` was built with is kept, when a file beside it holds it
    (:func:`~sane_desktop.retrieval.kept_models.kept_copy_words`; trial EL read "missing: restore it" while it lay
    in model.previous.pt); "" otherwise."""
    from sane_desktop.errors import SaneError
    from sane_desktop.retrieval.kept_models import kept_copy_words
    from sane_desktop.retrieval.manifest import read_index_manifest

    try:
        manifest = read_index_manifest(path.parent)
    except (SaneError, OSError):
        return ""
    if manifest is None or not manifest.model_hash:
        return ""
    return kept_copy_words(path.parent, manifest.model_hash, path)
