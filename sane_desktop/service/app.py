"""The window's one service object: the catalogues under an index home and the one that is open.

It holds no state of its own beyond *which* catalogue is open: everything else belongs to the
composed :class:`~sane_desktop.service.catalogues.OpenCatalogue` (items, model, search,
explanations), and building work goes through :mod:`sane_desktop.service.building`, which the
CLI calls too. Every method may be slow and runs on the worker thread, never the GUI thread.
"""

from __future__ import annotations

import dataclasses

import errno
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sane_desktop.errors import Cancelled, InputError, ModelError, NotFound, SaneError, StaleIndexError, StoreError
from sane_desktop.paths import CATALOGUE_DB, DEMO_CATALOGUE, disk_full_or, same_path, sqlite_url, temporary_sibling
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.service import building, mapping
from sane_desktop.service.building import EpochCallback, TrainRequest
from sane_desktop.service.catalogues import (
    CatalogueDetails, Catalogues, OpenCatalogue, catalogue_details, delete_catalogue, index_refusal, matches_learnt,
    rename_catalogue,
)
from sane_desktop.service.locking import catalogue_lock, writer_running
from sane_desktop.service.model_swap import SavedModel, recover_stopped_swap
from sane_desktop.service.outfit_reason import OutfitExplanation
from sane_desktop.service.outfits import SavedOutfits
from sane_desktop.service.renaming import INTENT_FILE
from sane_desktop.service.shared import ServerAddress, SharedCatalogue, list_on_server, open_shared
from sane_desktop.service.values import (
    ALL_CATEGORIES, AdaptReport, AttributeScore, BuiltinModelReport, CatalogueInfo, CatalogueListing, CategoryGuess, CategoryPlan,
    ExplanationUpdate, FolderReport,
    IndexReport, ItemInfo, OpenedCatalogue, SearchResult, TileExplanation, TrainReport,
)
from sane_desktop.service.values import TILE_MAP_SIDE, LoadedOutfit, SavedOutfit, SavedOutfitInfo

if TYPE_CHECKING:  # torch loads in the worker, after the window is up (issue 18 point 10)
    import torch

    from sane_desktop.models.checkpoint import ModelBundle

log = logging.getLogger(__name__)


def check_earlier_model(path: Path) -> None:
    """Refuse, naming ``path``, an earlier model that cannot load or whose fitted attribute choice beside it cannot
    be read, before anything is copied over the catalogue's model (trial EL: a damaged ``model.previous.pt`` was
    said as "model.pt is not a loadable checkpoint", the healthy current one; a hand-edited selection was put in
    place without a word, and every explanation failed after). Raises ModelError or InputError."""
    from sane_desktop.explain.pipeline import SelectionModel, StaleSelection
    from sane_desktop.models.checkpoint import load_checkpoint

    try:
        bundle = load_checkpoint(path, "cpu")
    except ModelError as error:
        raise ModelError(f"the earlier model {path} cannot be used: {error}") from None
    selection = path.with_suffix(".selection.json")  # model.previous.selection.json
    if selection.is_file() and bundle.attributes is not None:
        try:
            SelectionModel.load(selection, list(bundle.attributes.attributes))
        except StaleSelection:  # another vocabulary's: passed over when explaining, as for any model
            pass
        except InputError as error:
            raise InputError(f"the earlier model's attribute choice cannot be read ({error}): fix or delete "
                             f"{selection.name}, then try again") from None


class CatalogueService:
    """Facade over :class:`Catalogues` for a front end that has one catalogue open at a time."""

    def __init__(self, index_home: Path | None = None, device: str | None = None,
                 model: Path | None = None, rise_masks: int | None = None) -> None:
        self.catalogues = Catalogues(index_home, model=model, device=device)
        self.rise_masks = rise_masks  # None: the paper's 2000 on a GPU, 500 on a CPU
        self._open: OpenCatalogue | None = None
        self._shared: tuple[ServerAddress, str | None] | None = None  # where the open one is, when on a server
        log.info("service: index home %s, device %s, model %s", self.index_home, device or "auto", model or "catalogue's")

    # --- which catalogue -------------------------------------------------------------------
    @property
    def index_home(self) -> Path:
        return self.catalogues.home

    @property
    def name(self) -> str | None:
        return self._open.info.name if self._open else None

    def demo_source(self) -> Path:
        return self.catalogues.demo_source()

    def list_catalogues(self) -> list[CatalogueInfo]:
        """The catalogues that can be opened (an unreadable one is left out: see :meth:`scan_catalogues`)."""
        return self.catalogues.list()

    def scan_catalogues(self) -> CatalogueListing:
        """The catalogues that can be opened, and the folders whose database cannot be read, with why."""
        return self.catalogues.scan()

    def existing_source(self, name: str) -> str | None:
        """The source folder a catalogue called ``name`` was built from, None when there is none:
        the index dialog asks before indexing another folder under that name (``replace=True``).
        Raises InputError for an invalid name (the one line to show)."""
        return self.catalogues.source(name)

    # --- managing catalogues (issue 18 point 15) ---------------------------------------------
    def catalogue_details(self) -> list[CatalogueDetails]:
        """Each catalogue with its source folder, item count, model and indexing time."""
        return catalogue_details(self.catalogues)

    def rename_catalogue(self, old: str, new: str) -> CatalogueInfo:
        """Rename catalogue ``old`` to ``new`` (see :func:`~.catalogues.rename_catalogue` for the
        errors); the open one is closed for the move and opened again under its new name."""
        was_open, name_now = self.name == old and self._shared is None, old  # a shared one of that name stays
        if was_open:
            self.close()
        try:
            info = rename_catalogue(self.catalogues, old, new)  # all or nothing
            name_now = new
        finally:
            if was_open:  # under the name it has now: the old one when the rename was refused
                self.open_catalogue(name_now)
        return info

    def delete_catalogue(self, name: str) -> Path:
        """Delete catalogue ``name`` from the index home (its source photos stay); InputError while it
        is the open one, else the errors of :func:`~.catalogues.delete_catalogue`."""
        if self.name == name:
            raise InputError(f"{name!r} is open: switch to another catalogue before deleting it")
        return delete_catalogue(self.catalogues, name)

    def left_by_delete(self, name: str) -> list[Path]:
        """What a delete of ``name`` could not remove (:func:`~.catalogues.left_by_delete`)."""
        from sane_desktop.service.catalogues import left_by_delete

        return left_by_delete(self.catalogues.home, name)

    def resync_catalogue(self, name: str, progress: Progress = no_progress,
                         should_stop: CancelCheck = never_cancel) -> IndexReport:
        """Index catalogue ``name`` again from its source folder (photos added, changed or removed
        since), with the model it uses; InputError when its source folder is unknown or gone."""
        return self.index_folder(self._source_folder(name, "nothing to re-sync from"), name, progress, should_stop)

    def use_builtin_model(self, name: str, progress: Progress = no_progress,
                          should_stop: CancelCheck = never_cancel) -> BuiltinModelReport:
        """Index catalogue ``name`` again with the model built into the app for its folder (the way back
        after a training: trial CD trained a catalogue without outfits, which replaced the built-in model's
        compatibility picks with look-alikes, and only a delete and a re-index brought them back). Its own
        trained or adapted model files are kept as its earlier model (``model.previous.pt``: :meth:`use_earlier_model`
        brings it back; an earlier one kept before is renamed ``model.set-aside[-N].previous.pt``); a run that
        does not finish (cancelled, failed) puts them back. InputError when its
        source folder is unknown or gone, or when its index already uses a built-in model."""
        from sane_desktop.models.checkpoint import bundled_model_path, shipped_with_the_app
        from sane_desktop.retrieval.manifest import read_index_manifest
        from sane_desktop.service.catalogues import OWN_MODELS
        from sane_desktop.service.model_swap import PREVIOUS, model_files, recover_stopped_swap, set_aside, tagged

        source = self._source_folder(name, "nothing to index again from")
        folder = self.catalogues.folder(name)
        try:
            manifest = read_index_manifest(folder)
        except SaneError:
            manifest = None
        if manifest is not None and manifest.model_path and shipped_with_the_app(manifest.model_path) \
                and not (folder / OWN_MODELS[0]).is_file():
            raise InputError(f"{name!r} is indexed with the model built into the app already")
        model = bundled_model_path(source)
        with catalogue_lock(folder, f"use the built-in model for {name}"):
            recover_stopped_swap(folder / OWN_MODELS[0])
            self.catalogues.model_override = None  # the model its index records wins from now on (as after Train)
            # indexed first, its own model files untouched: a run killed meanwhile leaves the catalogue as it was
            # (trial EL: a kill -9 after they were moved left "model.pt is missing" and no word of where it was)
            report = self._index_closed(name, source, model, progress, should_stop)
            own = [path for path in model_files(folder / OWN_MODELS[0]) if path.is_file()]
            # its own model becomes the earlier one (use_earlier_model brings it back); an earlier one there is
            # set aside, never lost; an older layout's own model (models/latest.pt) is set aside as before
            earlier = set_aside([tagged(path, PREVIOUS) for path in model_files(folder / OWN_MODELS[0])
                                 if own and tagged(path, PREVIOUS).is_file()])
            for path in own:
                os.replace(path, tagged(path, PREVIOUS))
            older = set_aside([path for other in OWN_MODELS[1:] for path in model_files(folder / other)
                               if path.is_file()])
        kept = (*(str(tagged(path, PREVIOUS)) for path in own), *(str(path) for path in older.values()))
        earlier_aside = tuple(str(path) for path in earlier.values() if path.suffix == ".pt")
        log.info("catalogue %r indexed with the built-in model %s; its own model files kept as: %s", name, model.name,
                 ", ".join(kept) or "none")
        return BuiltinModelReport(report, model.name, kept, earlier_aside)

    def earlier_model(self, name: str) -> Path | None:
        """The model catalogue ``name`` used before its last Train, Adapt or Built-in model… (kept as
        ``model.previous.pt`` in its folder: :meth:`~sane_desktop.service.model_swap.SavedModel.keep_as_previous`),
        None when none is kept."""
        from sane_desktop.service.catalogues import EARLIER_MODEL

        kept = self.catalogues.folder(name) / EARLIER_MODEL
        return kept if kept.is_file() else None

    def use_earlier_model(self, name: str, progress: Progress = no_progress,
                          should_stop: CancelCheck = never_cancel) -> BuiltinModelReport:
        """Index catalogue ``name`` again with its earlier model (:meth:`earlier_model`): the way back after a
        Train that replaced a good model without comparing them (too few held-back outfits), or an Adapt. The
        two swap places: the model it uses now is kept as the earlier one (a second call goes back again; a
        built-in model is not copied, it stays in the app). A run that does not finish puts the files back.
        InputError when no earlier model is kept, or the source folder is unknown or gone."""
        from sane_desktop.service.catalogues import OWN_MODELS
        from sane_desktop.service.model_swap import PREVIOUS, SavedModel, model_files, recover_stopped_swap, tagged

        folder = self.catalogues.folder(name)
        source = self._source_folder(name, "nothing to index again from")  # (a name the home lacks: said so first)
        no_earlier = (f"{name!r} keeps no earlier model: one is kept when a training, an adaptation or going back to "
                      "the built-in model replaces its model")
        if self.earlier_model(name) is None:
            raise InputError(no_earlier)
        own = folder / OWN_MODELS[0]
        with catalogue_lock(folder, f"use the earlier model for {name}"):
            recover_stopped_swap(own)  # a killed run's files first: then the earlier model is the one to use
            earlier = self.earlier_model(name)
            if earlier is None:
                raise InputError(no_earlier)
            check_earlier_model(earlier)  # before anything is copied (trial EL)
            self.catalogues.model_override = None
            saved = SavedModel.aside(own)  # the model files now, put back when the run does not finish
            try:
                for path in model_files(own):  # copied, not moved: a failed run leaves the earlier one in place
                    kept_before = tagged(path, PREVIOUS)
                    if kept_before.is_file():
                        written = temporary_sibling(path)
                        shutil.copy2(kept_before, written)
                        os.replace(written, path)
                    else:  # a selection fitted for the model now must not stay beside the earlier one
                        path.unlink(missing_ok=True)
                report = self._index_closed(name, source, own, progress, should_stop)
            except BaseException:
                saved.put_back()
                raise
            # the model used until now is the earlier one from here on; where it had no such file, none stays
            for path, copy in saved.copies.items():
                if copy is None:
                    tagged(path, PREVIOUS).unlink(missing_ok=True)
            kept = saved.keep_as_previous()
        log.info("catalogue %r indexed with its earlier model; the one it replaced is kept as: %s", name,
                 ", ".join(str(path) for path in kept) or "none (a built-in model)")
        return BuiltinModelReport(report, own.name, tuple(str(path) for path in kept))

    def _source_folder(self, name: str, otherwise: str) -> Path:
        if not self.catalogues.folder(name).is_dir():  # a name the home lacks: with the names it holds (trial EL)
            raise self.catalogues.not_found(name)
        source = self.catalogues.source(name)
        if not source:
            raise InputError(f"the source folder of {name!r} is not recorded: index its folder again instead")
        if not Path(source).is_dir():
            raise InputError(f"the source folder of {name!r} is gone ({source}): {otherwise}")
        return Path(source)

    def open_catalogue(self, name: str) -> OpenedCatalogue:
        """Open ``name`` (closing the one that was open); NotFound when there is none. A refused
        open leaves the local catalogue that was open open again (trial AJ: a choice renamed from a
        terminal before it opened left the window showing one catalogue and the service none)."""
        previous = self._open.info.name if self._open is not None and self._shared is None else None
        self.close()
        log.info("open catalogue %r", name)
        try:
            self._open = self.catalogues.open(name)
        except SaneError:
            if previous is not None and previous != name:
                try:
                    self._open = self.catalogues.open(previous)
                except SaneError:
                    log.warning("catalogue %r could not be opened again after %r was refused", previous, name)
            raise
        # its model loads on first search or explanation (ModelContext logs it): browsing needs no torch
        log.info("opened catalogue %r: %d items", name, self._open.info.items)
        changed = self._open.items.metadata_changed()
        return OpenedCatalogue(self._open.info, tuple(self._open.items.categories()), self._open.items.has_outfits(),
                               self._open.items.can_train(), tuple(changed),
                               tuple(self._open.items.metadata_gone(changed)),
                               folder_gone=not Path(self._open.items.root).is_dir(),
                               matches_learnt=matches_learnt(self.catalogues.folder(name)),
                               index_folder=str(self._open.folder), has_attributes=self._open.items.has_attributes(),
                               index_refusal=index_refusal(self._open.folder, self._open.info)
                               if same_path(self._open.folder, self.catalogues.folder(name)) else "")

    # --- a shared catalogue on a PostgreSQL server (issue 19 point 2; service/shared.py) -------
    def list_shared(self, address: ServerAddress, password: str | None = None) -> list[SharedCatalogue]:
        """The catalogues on that server's database (StoreError/NotFound: one clear line)."""
        return list_on_server(address, password)

    def open_shared(self, address: ServerAddress, password: str | None, name: str) -> OpenedCatalogue:
        """Open catalogue ``name`` on ``address`` (closing the one that was open, only once the new
        one opened: a refused one leaves the window as it was). The password stays in memory."""
        opened = open_shared(self.catalogues, address, password, name)
        self.close()
        self._open, self._shared = opened, (address, password)
        log.info("opened shared catalogue %r on %s: %d items", name, address.display(), opened.info.items)
        return OpenedCatalogue(opened.info, tuple(opened.items.categories()), opened.items.has_outfits(),
                               opened.items.can_train(), has_attributes=opened.items.has_attributes())

    @property
    def shared_address(self) -> ServerAddress | None:
        """Where the open catalogue lives when it is on a server, None for a local one."""
        return self._shared[0] if self._shared is not None and self._open is not None else None

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
        self._open, self._shared = None, None

    def _local(self, what: str, expected: str | None = None) -> OpenCatalogue:
        """The open catalogue when it is a local one; InputError for a shared one, which these
        local builds would shadow with a copy under the index home instead of changing it, and for
        another catalogue than ``expected`` (the one a dialog names: trial AI's "Train model on demo"
        trained demo2, opened in the switcher meanwhile, and replaced its model)."""
        current = self.current()
        if expected is not None and current.info.name != expected:
            raise InputError(f"this was asked for {expected!r}, but {current.info.name!r} is open now: nothing was "
                             f"{what}; open {expected!r} again, or ask again for the open one")
        if self._shared is not None:
            raise InputError(f"{current.info.name!r} is a shared catalogue on {self._shared[0].display()}: it cannot "
                             f"be {what} from this window (index it with `sane-desktop index --db URL`)")
        current.items.refresh()  # CatalogueRemade: its folder is the old database's, never built into the new one
        return current

    def _as_on_disk(self, what: str, expected: str | None = None) -> OpenCatalogue:
        """:meth:`_local`, reopened first when its index was rebuilt with another model from elsewhere
        (:meth:`follow_index`): a run that starts from the catalogue's model uses the one on disk."""
        self.follow_index()
        return self._local(what, expected)

    def current(self) -> OpenCatalogue:
        """The open catalogue; InputError when none is."""
        if self._open is None:
            raise InputError("no catalogue is open")
        return self._open

    def index_being_written(self) -> bool:
        """Whether another run (a terminal's ``index``, another window) is writing the open catalogue's
        folder now (its writer lock held; a lock left by a killed run is not held). False when none is open."""
        return self._open is not None and writer_running(self._open.folder) is not None

    def _reopen(self) -> None:
        """Drop everything derived from the open catalogue's model or index (after a re-index or a
        new model): the next call opens it afresh. Images added from disk stay in the outfit under
        their keys; the next search embeds them again with the model now used."""
        if self._open is None:
            return
        from_disk = self._open.items.disk_infos()
        if self._shared is not None:
            self.open_shared(*self._shared, self._open.info.name)
        else:
            self.open_catalogue(self._open.info.name)
        self.current().items.carry_disk_images(from_disk)

    def _renamed_to(self, uid: str) -> str:
        """The name of the catalogue of the index home whose index was built from the catalogue row
        ``uid`` (the open one's, renamed elsewhere), "" when none is. Manifests only: no database opened."""
        from sane_desktop.retrieval.manifest import read_index_manifest

        if not uid or not self.catalogues.home.is_dir():
            return ""
        for folder in sorted(self.catalogues.home.iterdir()):
            try:
                manifest = read_index_manifest(folder) if folder.is_dir() else None
            except (SaneError, OSError):
                continue
            # a rename under way has moved the folder before its manifest takes the new name (its intent is in
            # the folder): renamed, not "deleted" for that second (trial DT)
            if manifest is not None and manifest.db_uid == uid and (
                    manifest.catalogue == folder.name or (folder / INTENT_FILE).is_file()):
                return folder.name
        return ""

    def follow_index(self) -> bool:
        """Reopen the open catalogue when its index was rebuilt with another model from elsewhere
        (``sane-desktop index --model …`` while the window is open) and it is searched with its own
        model: the window answers with the model its index now holds, instead of calling a current
        index out of date (a trial). True when it reopened. A shared catalogue, a model chosen for
        the session, or an unreadable manifest (the search then says what is wrong) are left as they are."""
        from sane_desktop.retrieval.manifest import read_index_manifest

        current = self._open
        if current is None or self._shared is not None:
            return False
        if not current.folder.is_dir():  # its pooled connections would go on reading the deleted file
            renamed = self._renamed_to(current.info.uid)
            if renamed:  # trial AE renamed it from the command line and read "deleted … index its folder again"
                raise NotFound(f"catalogue {current.info.name!r} was renamed {renamed!r} (by another window or "
                               "command): open it under its new name")
            raise self._deleted(current)
        current.items.refresh()  # made anew since (CatalogueRemade): never reopened below as if it were the same
        if self.catalogues.model_override is not None:
            return False
        try:
            manifest = read_index_manifest(current.folder)
        except SaneError:
            return False
        if manifest is None or manifest.catalogue != current.info.name or "model" not in current.__dict__:
            return False  # no model loaded yet: the next use loads the one the manifest names
        if manifest.model_hash == current.model.bundle().content_hash:
            self._check_model_file(current)
            return False
        log.info("catalogue %r was re-indexed with another model (%s): reopened", current.info.name,
                 manifest.model_hash[:12])
        self._reopen()
        return True

    @staticmethod
    def _deleted(current: OpenCatalogue) -> NotFound:
        return NotFound(f"catalogue {current.info.name!r} was deleted (by another window or command): open another "
                        "catalogue, or index its folder again")

    def _writable(self, what: str) -> OpenCatalogue:
        """The open catalogue, to be written to; NotFound when it was deleted by another window or command (trial
        EX saved an outfit after that: "saved", into the deleted database file its connections still held, and gone
        with the window). One renamed elsewhere is written to: its file moved with its folder."""
        current = self.current()
        if self._shared is None and not current.folder.is_dir() and not self._renamed_to(current.info.uid):
            log.warning("catalogue %r was deleted elsewhere: nothing %s", current.info.name, what)
            raise self._deleted(current)
        return current

    @staticmethod
    def _check_model_file(current: OpenCatalogue) -> None:
        """Refuse, as the command line does, when the model file the open catalogue was indexed
        with now holds another model (retrained into the same path from elsewhere): the window
        would go on answering with the old model in memory while ``query`` refuses (a trial).
        Raises :class:`StaleIndexError` with what to do."""
        now = current.model.file_now_holds()
        if now is None:
            return
        name, file = current.info.name, current.model.path
        if not now:  # a re-index could not read it either: put it back (no "re-index" offered)
            raise ModelError(f"the model file {file.name} that {name!r} was indexed with is gone or unreadable "
                             f"({file.parent}): put it back, or index the catalogue with another model")
        loaded = current.model.bundle().content_hash
        raise StaleIndexError(f"the model file {file.name} holds another model now ({loaded[:12]}, now {now[:12]}): "
                              f"the index of {name!r} was built with the old one: re-index it (sane-desktop index)")

    def index_stamp(self) -> tuple[int, int, int] | None:
        """A cheap identity of the open catalogue's index (its manifest file: every build, even one
        that changed only the category mapping, writes a new one); None when there is none. A
        window compares the one its results were found with before it explains one of them."""
        from sane_desktop.retrieval.manifest import manifest_stamp

        return manifest_stamp(self.current().folder)

    # --- browsing --------------------------------------------------------------------------
    def categories(self) -> list[str]:
        return self.current().items.categories()

    def has_outfits(self) -> bool:
        return self.current().items.has_outfits()

    def items(self, category: str = ALL_CATEGORIES, text: str = "", limit: int = 5000) -> list[ItemInfo]:
        return self.current().items.search(category, text, limit)

    def item_infos(self, pks: Sequence[int]) -> list[ItemInfo]:
        return self.current().items.infos(pks)

    def item(self, pk: int) -> ItemInfo:
        return self.current().items.get(pk)

    # --- saved outfits (see :mod:`sane_desktop.service.outfits`) ---------------------------
    def saved_outfits(self, what: str = "read") -> SavedOutfits:
        """The open catalogue's saved outfits; InputError when none is open, NotFound when it was deleted
        elsewhere (``what`` says, in the log, what was then not done)."""
        items = self._writable(what).items
        return SavedOutfits(items.engine, items.record.pk)

    def list_saved_outfits(self) -> list[SavedOutfitInfo]:
        return self.saved_outfits().list()

    def save_outfit(self, name: str, item_pks: Sequence[int], overwrite: bool = False) -> SavedOutfit:
        """Save the outfit's catalogue items as ``name``; OutfitNameTaken when that name is saved
        already and ``overwrite`` is false (ask, then save again with it)."""
        return self.saved_outfits("saved").save(name, item_pks, overwrite=overwrite)

    def load_saved_outfit(self, pk: int) -> LoadedOutfit:
        return self.saved_outfits().load(pk)

    def rename_saved_outfit(self, pk: int, name: str) -> str:
        return self.saved_outfits("renamed").rename(pk, name)

    def delete_saved_outfit(self, pk: int) -> None:
        self.saved_outfits("deleted").delete(pk)

    # --- the model -------------------------------------------------------------------------
    def model_path(self) -> Path:
        """The model the open catalogue uses (see Catalogues.model_path)."""
        return self._open.model.path if self._open else self.catalogues.model_path(None)

    def use_model(self, path: Path | None) -> None:
        """Search and explain with the checkpoint at ``path`` from now on (None: each catalogue's
        own); the open catalogue is reopened so nothing of the previous model survives."""
        self.catalogues.model_override = Path(path) if path else None
        self._reopen()

    def bundle(self) -> ModelBundle:
        return self.current().model.bundle()

    def image(self, item: ItemInfo) -> torch.Tensor:
        """The item's normalised model input (3, S, S)."""
        return self.current().model.image(item)

    # --- search and explanations -----------------------------------------------------------
    def search(self, outfit: Sequence[int], target: str = ALL_CATEGORIES, k: int = 24,
               should_stop: CancelCheck = never_cancel) -> dict[str, list[SearchResult]]:
        self.follow_index()
        return self.current().search.search(outfit, target, k, should_stop)

    def similar(self, item_pk: int, target: str = ALL_CATEGORIES, k: int = 24,
                should_stop: CancelCheck = never_cancel) -> dict[str, list[SearchResult]]:
        """Items that look like ``item_pk`` per target category (all when empty), by the cosine of
        the general embeddings; the results carry ``general=True`` (explain them with it)."""
        self.follow_index()
        return self.current().search.similar(item_pk, target, k, should_stop)

    def guess_category(self, path: Path | str, *, progress: Progress = no_progress,
                       should_stop: CancelCheck = never_cancel) -> CategoryGuess:
        return self.current().search.guess_category(path, progress=progress, should_stop=should_stop)

    def add_image(self, path: Path | str, category: str, content_hash: str = "") -> ItemInfo:
        return self.current().search.add_image(path, category, content_hash)

    def explain(self, candidate_pk: int, outfit_pk: int, *, refine: bool = True, n_masks: int | None = None,
                chunk: int = 250, should_stop: CancelCheck = never_cancel,
                general: bool = False) -> Iterator[ExplanationUpdate]:
        """``general``: the result came from :meth:`similar` (``SearchResult.general``)."""
        return self.current().explanations.explain(candidate_pk, outfit_pk, refine=refine,
                                                   n_masks=n_masks or self.rise_masks, chunk=chunk,
                                                   should_stop=should_stop, general=general)

    def explain_tiles(self, pairs: Sequence[tuple[int, int]], map_side: int = TILE_MAP_SIDE,
                      should_stop: CancelCheck = never_cancel, general: bool = False) -> list[TileExplanation]:
        return self.current().explanations.explain_tiles(pairs, map_side, should_stop=should_stop, general=general)

    def explain_outfit(self, candidate_pk: int, outfit: Sequence[int], *, general: bool = False,
                       should_stop: CancelCheck = never_cancel) -> OutfitExplanation | None:
        """Why ``candidate_pk`` completes ``outfit`` as a whole (issue 17): the score the search
        ranks it by split over the outfit items, and the outfit-level attribute
        (:meth:`~sane_desktop.service.explanation.Explanations.explain_outfit`); None when stopped."""
        return self.current().explanations.explain_outfit(candidate_pk, outfit, general=general,
                                                          should_stop=should_stop)

    def crops(self, items: Sequence[ItemInfo]) -> list[np.ndarray]:
        """(S, S, 3) uint8 centre crops the model sees of ``items``, in order (thumbnails that
        need no photo decoding on the GUI thread)."""
        model = self.current().model
        return [model.crop_rgb(item) for item in items]

    def attribute_maps(self, items: Sequence[ItemInfo], names: Sequence[str]) -> dict[str, tuple[np.ndarray, ...]]:
        return self.current().explanations.attribute_maps(items, names)

    def rank_attributes(self, items: Sequence[ItemInfo], saliency: np.ndarray,
                        partners: Sequence[ItemInfo] | None = None) -> list[list[AttributeScore]]:
        return self.current().explanations.rank_attributes(items, saliency, partners)

    # --- building --------------------------------------------------------------------------
    def inspect_folder(self, root: Path | str) -> FolderReport:
        """:func:`~.building.inspect_folder`, with the catalogues already built from ``root`` (``indexed_as``) and
        the first of them as its name: trial EU renamed a catalogue, indexed its folder again, and the dialog's
        name, the folder's, made a second catalogue of it with none of the first one's choices."""
        report = building.inspect_folder(root)
        indexed_as = self.catalogues.built_from(report.root)
        if not indexed_as:
            return report
        name = report.name if report.name in indexed_as else indexed_as[0]
        return dataclasses.replace(report, name=name, indexed_as=indexed_as)

    def category_plan(self, root: Path | str, name: str | None = None, model: Path | None = None) -> CategoryPlan:
        """How indexing ``root`` as ``name`` (default: the folder's name) with ``model`` (default:
        the one :meth:`index_folder` would use) would search each of its categories, with
        suggestions for those the model lacks (:func:`sane_desktop.service.mapping.category_plan`)."""
        root = Path(root).expanduser().resolve()
        name = building.catalogue_name(root, name)
        return mapping.category_plan(root, model or self.catalogues.model_path(name, root=root), name=name,
                                     index_dir=self.catalogues.folder(name))

    def index_folder(self, root: Path | str, name: str | None = None, progress: Progress = no_progress,
                     should_stop: CancelCheck = never_cancel, model: Path | None = None,
                     replace: bool = False, category_map: dict[str, str] | None = None,
                     rebuild: bool = False) -> IndexReport:
        """Import a folder and build its index (with ``model``, else the model that catalogue uses).

        ``name`` defaults to the folder's. A catalogue of that name built from another folder
        (:meth:`existing_source`) is replaced only with ``replace=True``, else InputError naming
        both folders. ``category_map``: the user's category choices (see :meth:`category_plan`);
        None keeps the last index's. ``rebuild``: read every photo again and rebuild the indexes
        (``index --rebuild``). Raises InputError for an invalid name, StoreError when another run is
        writing that catalogue, and what indexing raises (Cancelled, ModelError, …)."""
        root = Path(root).expanduser().resolve()
        name = building.catalogue_name(root, name)
        folder = self.catalogues.folder(name)
        report = building.index_folder(root, name, model or self.catalogues.model_path(name, root=root),
                                       db_url=sqlite_url(folder / CATALOGUE_DB), index_dir=folder,
                                       device=self.catalogues.device, progress=progress, should_stop=should_stop,
                                       replace=replace, category_map=category_map, rebuild=rebuild)
        if name == self.name:  # the open catalogue changed: its searcher and cells are stale
            self._reopen()
        return report

    def reindex(self, progress: Progress = no_progress, should_stop: CancelCheck = never_cancel) -> IndexReport:
        """Rebuild the open catalogue's index from its folder with its model (after a model change
        made it stale, or a photo changed): every photo is read again, so one edited in place that
        kept its size and modification time is seen too."""
        current = self._local("re-indexed")
        return self.index_folder(current.items.root, current.info.name, progress, should_stop, rebuild=True)

    def ensure_demo(self, items: int = 120, seed: int = 0, progress: Progress = no_progress,
                    should_stop: CancelCheck = never_cancel) -> IndexReport:
        """First run: generate the demo catalogue into ``<home>/demo/source`` and index it as "demo". A second
        window starting at once on a new home waits for the first's (``should_stop`` ends the wait), then finds it
        drawn and indexed: both drawing into one folder failed on each other's files (trial DT, with ``demo``)."""
        source = self.demo_source()
        with ExitStack() as held:
            while True:
                try:  # the catalogue folder's writer lock, which its index takes again (re-entrant)
                    held.enter_context(catalogue_lock(source.parent, "draw and index the demo catalogue", wait=1.0))
                    break
                except StoreError:
                    if writer_running(source.parent) is None:  # not busy: unwritable, said as it is
                        raise
                    if should_stop():
                        raise Cancelled("stopped while another window built the demo catalogue") from None
                    progress(0, 0, "Waiting for another window to build the demo catalogue…")
            return self._draw_and_index_demo(source, items, seed, progress, should_stop)

    def _draw_and_index_demo(self, source: Path, items: int, seed: int, progress: Progress,
                             should_stop: CancelCheck) -> IndexReport:
        from sane_desktop.demo import generate_demo

        if not (source / "ground_truth.json").is_file():
            try:
                generate_demo(source, seed=seed, items=items, progress=progress, should_stop=should_stop,
                              masks=False, overwrite=True)
            except OSError as failure:  # a full disk: said as such, and the part drawn is not left filling it
                # (trial CR: "Something went wrong: [Errno 28]", 3 MB of drawn photos kept the disk full)
                folder = source.parent
                error = disk_full_or(failure, folder)  # before the removal frees its room: a short write's word
                shutil.rmtree(source, ignore_errors=True)
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
                reason = error.strerror or str(error)
                full = " (free some space, then start again)" if error.errno == errno.ENOSPC else ""
                raise InputError(f"its photos could not be drawn in {source}: {reason}{full}") from None
        return self.index_folder(source, DEMO_CATALOGUE, progress=progress, should_stop=should_stop)

    def train(self, progress: Progress = no_progress, should_stop: CancelCheck = never_cancel,
              epochs: int = 5, on_epoch: EpochCallback | None = None, catalogue: str | None = None) -> TrainReport:
        """Train a model on the open catalogue into ``<home>/<name>/model.pt`` (the catalogue's model
        from then on), then re-index the catalogue with it. ``on_epoch`` gets each epoch's history
        entry (epoch, loss, valid_fitb or valid_map, seconds) as it lands. ``catalogue``: the one
        asked for; InputError, and nothing written, when another is open."""
        current = self._local("trained on", catalogue)
        name, folder = current.info.name, self.catalogues.folder(current.info.name)
        out = folder / "model.pt"
        said: list[str] = []  # how the gate compared the two models, or why it could not
        with catalogue_lock(folder, f"train {name}"):  # model and re-index are one write
            recover_stopped_swap(out)
            # compared with the model the catalogue uses now (trial EL: a terminal's earlier-model meanwhile, and the
            # window's Train compared with the one it had loaded before)
            current = self._as_on_disk("trained on", catalogue)
            gate = self._no_worse_than(current.model.bundle(), progress, said)
            saved = SavedModel.aside(out)
            try:
                outcome = building.train_model(current.items.root, out, TrainRequest(epochs=epochs),
                                               mapping=self._import_mapping(current), device=self.catalogues.device,
                                               progress=progress, should_stop=should_stop, on_epoch=on_epoch,
                                               gate=gate)
            except building.ModelKept as kept:  # the current model answers more validation questions right
                saved.discard()
                log.info("trained on %r, model kept: %s", name, kept)
                return kept.report
            except BaseException:
                saved.put_back()
                raise
            self.catalogues.model_override = None  # the catalogue's own model wins from now on
            indexed, previous = self._index_or_put_back(name, saved, progress, should_stop)
        return replace(outcome.report, vectors=indexed.vectors, compared=said[0] if said else "", previous=previous,
                       selection=outcome.selection or "")

    @staticmethod
    def _no_worse_than(current: Any, progress: Progress, said: list[str]) -> building.ModelGate:
        """The window's training keeps the catalogue's model when the new one answers fewer of the
        same validation FITB questions right (a trial's runs of a few epochs replaced the demo's
        good model by one scoring every item 100, without a word, and with no way back). ``said``
        gets how they were compared, or why they could not be: a trial's small catalogues (1–7
        validation questions) had the new model taken with no word that nothing was compared."""
        from sane_desktop.service.evaluation import (
            MIN_SHARED_QUESTIONS, checked_on_validation, compare_on_valid, shares_apart, valid_questions,
        )

        def gate(catalogue: Any, trained: Any) -> str | None:
            if not checked_on_validation(trained):  # its epoch was chosen on nothing: it may have collapsed
                said.append("it could not be checked: the catalogue has no held-back outfits or labelled items")
                # (trial AO: an unchecked model replaced a working one and scored every match 100)
                return ("the catalogue has no held-back outfits or labelled items to test a new model on, so it "
                        "keeps its current model: give it more outfits or labelled photos")
            try:
                compared = compare_on_valid(catalogue, current, trained, progress=progress)
            except (SaneError, KeyError, ValueError) as error:  # cannot compare: the new model is taken
                log.info("the new model was not compared with the current one (%s)", error)
                said.append(f"it was not compared with the current model ({error})")
                return None
            if compared is None:
                asked = valid_questions(catalogue)
                # a stylist's words: one validation FITB question per held-back outfit (trial DG read the same 21
                # outfits as "held-back outfits" and "validation questions" in one result)
                why = ("without outfits none are held back to compare them on" if asked is None else
                       "the catalogue has no held-back outfits to compare them on" if asked == 0 else
                       f"the catalogue has only {asked} held-back outfit{'' if asked == 1 else 's'}, and "
                       f"{MIN_SHARED_QUESTIONS} are needed to tell two models apart" if asked < MIN_SHARED_QUESTIONS
                       else f"fewer than {MIN_SHARED_QUESTIONS} of its {asked} held-back outfits are of categories "
                            "both models know")
                said.append(f"it was not compared with the current model: {why}")
                return None
            before, after, questions = compared
            new_words, current_words = shares_apart(after, before)
            said.append(f"it picks the right piece in {new_words} of {questions} held-back outfits, the current "
                        f"model in {current_words}")
            # tied answers earn 1/k each: 1 + 3 × 1/3 sums to 1.9999999999999998, not 2 (trial AN kept the
            # current model on an equal score)
            if after >= before - 1e-9:
                return None
            return (f"the new model picks the right piece in {new_words} of {questions} held-back outfits, the "
                    f"current one in {current_words}: the catalogue keeps its current model (train longer, or on "
                    "more outfits)")

        return gate

    def adapt(self, progress: Progress = no_progress, should_stop: CancelCheck = never_cancel,
              catalogue: str | None = None) -> AdaptReport:
        """Adapt the open catalogue's model to its images without labels (BatchNorm statistics) into
        ``<home>/<name>/model.pt`` (the catalogue's model from then on), then re-index with it.
        ``catalogue``: the one asked for; InputError, and nothing written, when another is open."""
        current = self._local("adapted to", catalogue)
        name, folder = current.info.name, self.catalogues.folder(current.info.name)
        out = folder / "model.pt"
        with catalogue_lock(folder, f"adapt {name}"):
            recover_stopped_swap(out)
            current = self._as_on_disk("adapted to", catalogue)  # from the model it uses now (trial EL)
            saved = SavedModel.aside(out)
            source, copy = current.model.path, saved.copies.get(out)
            if copy is not None and source.resolve() == out.resolve():
                # its own model adapted again (the dialog offers it): from the copy set aside, written in place
                # (it was refused in command-line words, "--out … is the model being adapted": trial BH)
                source = copy
            try:
                report, _, _ = building.adapt_model(current.items.root, source, out,
                                                    mapping=self._import_mapping(current),
                                                    device=self.catalogues.device, name=name, progress=progress,
                                                    should_stop=should_stop)
            except BaseException:
                saved.put_back()
                raise
            self.catalogues.model_override = None
            indexed, previous = self._index_or_put_back(name, saved, progress, should_stop)
        return AdaptReport(report.model, report.content_hash, report.images, report.skipped, indexed.vectors, previous)

    @staticmethod
    def _import_mapping(current: OpenCatalogue) -> str | None:
        """The mapping the open catalogue was imported with (None: none, or found in its folder):
        training or adapting reads the folder as the import did, never as a plain folder of photos."""
        from sane_desktop.store.importer import stored_catalogue

        stored = stored_catalogue(current.items.engine, current.info.name)
        return stored.mapping if stored is not None else None

    def _index_or_put_back(self, name: str, saved: SavedModel, progress: Progress,
                           should_stop: CancelCheck) -> tuple[IndexReport, str]:
        """Re-index catalogue ``name`` with the model just written at ``saved.model``; when that does not
        finish (cancelled, failed), the model files as they were before are put back and the catalogue is
        opened again with them: its index is still the old model's (trial BH's cancelled Adapt left the new
        model in place, its dialog saying "the model is unchanged")."""
        try:
            indexed = self._index_with(name, saved.model, progress, should_stop)
        except BaseException:
            saved.put_back()
            from_disk = self._open.items.disk_infos() if self._open is not None else []
            self.close()
            try:
                self._open_again(name, from_disk)
            except SaneError as error:  # the run's own failure is what is said
                log.warning("catalogue %r not opened again after its model was put back: %s", name, error)
            raise
        kept = saved.keep_as_previous()
        if kept:
            log.info("catalogue %r: its model before this one is kept as %s", name, ", ".join(p.name for p in kept))
        # the model file kept (its selection beside it), for the dialog to say (trial CJ: it was said nowhere)
        return indexed, next((str(path) for path in kept if path.suffix == ".pt"), "")

    def _index_with(self, name: str, model: Path, progress: Progress, should_stop: CancelCheck) -> IndexReport:
        return self._index_closed(name, self.current().items.root, model, progress, should_stop)

    def _index_closed(self, name: str, source: Path, model: Path, progress: Progress,
                      should_stop: CancelCheck) -> IndexReport:
        """Index catalogue ``name`` from ``source`` with ``model``; when it is the open one it is closed meanwhile
        (the old model's tensors, cells and searcher must go before the re-index) and opened again after,
        finished or not (:meth:`_open_again`)."""
        was_open = self._open is not None and self.name == name
        from_disk = self._open.items.disk_infos() if self._open is not None and was_open else []
        if was_open:
            self.close()
        try:
            return self.index_folder(source, name, progress, should_stop, model=model)
        finally:
            if was_open and self._open is None:
                self._open_again(name, from_disk)

    def _open_again(self, name: str, from_disk: Sequence[ItemInfo]) -> None:
        """Open catalogue ``name`` again after a run closed it, the outfit's images from disk carried to be
        embedded again with its model (trial CJ: after a Train, a photo from disk in the outfit stopped every
        search with "the image from disk -1 is no longer loaded", and adding it again was refused as a twin)."""
        self.open_catalogue(name)
        self.current().items.carry_disk_images(from_disk)
