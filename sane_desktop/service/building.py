"""Building catalogues and models, the use cases both front ends run: inspect a folder, import it,
index it, train a model on it, adapt a model to it. The CLI's ``import``/``index``/``train``/
``adapt`` and the window's dialogs call these same functions (one orchestration)."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from dataclasses import replace as with_fields  # 'replace' is index_folder's option
from pathlib import Path
from typing import Any

from sane_desktop import paths
from sane_desktop.errors import Cancelled, InputError, SaneError, StaleIndexError, without_passwords
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.service.locking import catalogue_lock, file_lock_folder, held_here
from sane_desktop.service.model_swap import recover_stopped_swap
from sane_desktop.service.values import AdaptReport, FolderReport, IndexReport, SkippedFile, TrainReport

logger = logging.getLogger(__name__)  # `log` is train_model's parameter

EpochCallback = Callable[[dict[str, Any]], None]


def inspect_folder(root: Path | str) -> FolderReport:
    """Detected format and item count of a catalogue folder (quick: no photo is decoded, each
    item's photo file is looked up once). ``left_out`` counts what indexing will skip for certain:
    rows or files the read refused and items whose photo file is missing; ``unread_table`` names a folder's
    product table it does not read."""
    from sane_desktop.service.sources import read_source

    from sane_desktop.catalogue.column_draft import items_table
    from sane_desktop.catalogue.detect import MAPPING_FILE_NAME, shipped_mapping
    from sane_desktop.catalogue.folder import TABLE_NOT_READ

    root = Path(root).expanduser().resolve()
    catalogue = read_source(root, validate_images=False)
    present = len(catalogue.items_with_photo())
    refused = sum(skip.kind == "item" for skip in catalogue.skipped)
    shipped = shipped_mapping(root) if catalogue.format == "manifest" and not (root / MAPPING_FILE_NAME).is_file() \
        else None
    unread = [skip.path for skip in catalogue.skipped if skip.reason == TABLE_NOT_READ and "/" not in skip.path]
    return FolderReport(root, catalogue.format, present, root.name,
                        left_out=refused + len(catalogue.items) - present,
                        shipped_mapping=_mapping_title(shipped) if shipped is not None else "",
                        unread_table=items_table(root, unread) if unread else "", outfits=len(catalogue.outfits))


def _mapping_title(path: Path) -> str:
    """A shipped mapping's name for a person ("H&M's articles export"; its ``title``), else its file's stem."""
    import json

    try:
        title = json.loads(path.read_text(encoding="utf-8")).get("title")
    except (OSError, ValueError, AttributeError):
        title = None
    return title if isinstance(title, str) and title.strip() else path.stem


def writer_folder(name: str, db_url: str | None = None, index_dir: Path | None = None) -> Path:
    """The folder whose writer lock an import of catalogue ``name`` holds: the index folder when given,
    else a SQLite database's own lock folder (:func:`file_lock_folder`; its folder itself when that is the
    catalogue's folder under the home), else ``index/<name>/``."""
    if index_dir is not None:
        return paths.check_outside_package(index_dir, "--index-dir")
    database = _sqlite_file(db_url) if db_url else None
    if database is not None and database.parent.resolve() != paths.catalogue_dir(name).resolve():
        return file_lock_folder(database)
    return paths.catalogue_dir(name)


def _sqlite_file(db_url: str) -> Path | None:
    """The SQLite file ``db_url`` names (checked to be outside the package); None for a server or memory.
    InputError, in the store's words, for a URL it cannot use: the first thing import and index read of it
    (trial DX's libpq key=value string reached ``index`` as "ArgumentError: Could not parse SQLAlchemy URL")."""
    from sane_desktop.store.db import usable_url

    url = usable_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return paths.check_outside_package(Path(url.database), "--db")
    return None


def writer_folders(name: str, db_url: str | None = None, index_dir: Path | None = None) -> tuple[Path, ...]:
    """Every folder whose writer lock an index of catalogue ``name`` holds: the index folder it writes
    (``index_dir``, else ``index/<name>/``) and its SQLite database's (:func:`writer_folder`; none for a server's).
    Trial DT ran ``index --name xx`` and ``index --name xx --db other/xx.db`` at once: the second locked only
    ``other/``, wrote ``index/xx/`` over the first's index, and both said "Indexed". In one order (by path), so
    that two runs never wait on each other's second lock."""
    written = {writer_folder(name, None, index_dir)}
    if db_url is None or _sqlite_file(db_url) is not None:
        written.add(writer_folder(name, db_url, None))
    return tuple(sorted(written, key=lambda folder: str(folder.expanduser().resolve())))


@contextmanager
def writer_locks(folders: Sequence[Path], what: str) -> Iterator[None]:
    """:func:`catalogue_lock` of each of ``folders``, in their order, for the block."""
    with ExitStack() as held:
        for folder in folders:
            held.enter_context(catalogue_lock(folder, what))
        yield


@contextmanager
def forgotten_on_failure(name: str, db_url: str | None, index_dir: Path | None) -> Iterator[None]:
    """A first import or index of catalogue ``name`` that fails leaves no empty catalogue behind:
    its new folder in the index home (database, lock file) is removed when the database holds no
    catalogue, else the name would look taken and ``query`` say "the store holds no catalogue".
    Only the default layout — the catalogue's folder under the home, its database there, whether named
    (the window names both: trial DV's failed first index there left a catalogue "whose first import never
    finished") or not — and only a folder this run created."""
    folder = paths.catalogue_dir(name)
    database = _sqlite_file(db_url) if db_url is not None else folder / paths.CATALOGUE_DB
    default_layout = (database is not None and paths.same_path(database, folder / paths.CATALOGUE_DB)
                      and (index_dir is None or paths.same_path(Path(index_dir), folder)))
    owned = default_layout and not folder.exists()
    try:
        yield
    except BaseException:
        from sane_desktop.store.items import sqlite_holds_a_catalogue

        if owned and folder.is_dir() and not sqlite_holds_a_catalogue(folder / paths.CATALOGUE_DB):
            shutil.rmtree(folder, ignore_errors=True)
        raise


def catalogue_name(root: Path, name: str | None) -> str:
    """``name`` (default: the folder's name) once it can name a catalogue and ``root`` can be one;
    InputError otherwise (a folder that holds the index home would index the app's own files)."""
    home = paths.index_home().expanduser().resolve()
    folder = Path(root).expanduser().resolve()
    if folder == home or folder in home.parents:
        raise InputError(f"{folder} holds the catalogues' index home ({home}): choose the folder of the "
                         "catalogue's images itself")
    name = paths.check_catalogue_name(name if name is not None else folder.name)
    paths.refuse_look_alike_name(name, home)
    return name


def import_folder(root: Path | str, name: str | None = None, db_url: str | None = None,
                  mapping: Path | str | None = None, progress: Progress = no_progress, *,
                  replace: bool = False) -> dict[str, Any]:
    """Read, validate and store a catalogue's metadata; the import summary (JSON-able) with ``db``,
    the database URL without its password.

    Raises InputError for an invalid name, or a name already built from another folder unless
    ``replace``; StoreError when another run is writing that catalogue; what the import raises."""
    from sane_desktop.store.importer import import_folder as store_import

    root = Path(root).expanduser().resolve()
    name = catalogue_name(root, name)
    with forgotten_on_failure(name, db_url, None), catalogue_lock(writer_folder(name, db_url), f"import {root}"):
        engine, summary = store_import(root, name, db_url, mapping, progress=progress, replace=replace)
    try:
        from sane_desktop.store.items import find_catalogue

        result = summary.as_dict()
        result["db"] = without_passwords(engine.url.render_as_string(hide_password=True))  # a ?password= too
        # which database, under query --json's name (trial DI: a script could not match an import to its queries)
        result["catalogue_uid"] = find_catalogue(engine, name).uid
    finally:
        engine.dispose()
    return result


def index_report(summary: Any) -> IndexReport:
    """The service's view of ``retrieval.indexer.IndexSummary`` (with its import summary)."""
    imported = summary.import_summary.as_dict() if summary.import_summary is not None else {}
    skipped = tuple(SkippedFile(str(s.get("id", "")), str(s.get("path", "")), str(s.get("reason", "")),
                                str(s.get("kind", ""))) for s in imported.get("skipped", []))
    return IndexReport(summary.name, int(imported.get("items", summary.items)), int(imported.get("outfits", 0)),
                       skipped, dict(summary.vectors), summary.total_seconds or summary.seconds, imported, summary)


def index_folder(root: Path | str, name: str | None, model: Path | None, *, db_url: str | None = None,
                 index_dir: Path | None = None, mapping: Path | str | None = None, batch_size: int = 64,
                 workers: int | None = None, device: str | None = None, progress: Progress = no_progress,
                 should_stop: CancelCheck = never_cancel, replace: bool = False,
                 category_map: Mapping[str, str] | None = None, memory_budget: int | None = None,
                 vector_backend: str | None = None, shard: str | None = None, cells: str = "auto",
                 rebuild: bool = False) -> IndexReport:
    """Import a folder (validate, store), embed what is new or changed with ``model`` (None: the
    model its last index was built with, else a bundled model, the note says which) and rebuild its FAISS indexes
    (``retrieval.indexer``; safe to interrupt and re-run), holding the catalogue's writer lock.

    ``category_map``: catalogue category -> model category or ``general`` for the categories the
    user maps (the rest by name, else the general space); None keeps the last index's choices
    (:func:`sane_desktop.retrieval.indexing.index_store`).

    ``replace``: a catalogue of that name built from another folder is replaced; without it that
    is an InputError naming both folders (nothing is written). Raises InputError for an invalid
    name, StoreError when another run is writing the catalogue, and what indexing raises.

    ``memory_budget``: bytes the catalogue's indexes may hold in memory (None: ``SANE_INDEX_MEMORY_BUDGET``,
    else no budget; :func:`memory_budget_bytes` reads "4GiB"); ``vector_backend``: ``faiss`` or
    ``pgvector`` (None: ``SANE_VECTOR_BACKEND``, else faiss). ``shard``: ``"i/n"``, this run is worker i
    of n on a catalogue shared on PostgreSQL (InputError on SQLite, one line): workers claim batches
    with ``FOR UPDATE SKIP LOCKED`` (:mod:`sane_desktop.store.work_queue`) and hold the folder's writer
    lock only while building its index, one worker after another. ``cells``: ``auto``, ``stored`` or
    ``on-demand``, whether the items' per-cell outputs are kept in the database (:func:`index_store`).
    ``rebuild``: rebuild the indexes even when they are current (a no-op run keeps them: ``report.indexed``
    says ``rebuilt`` and ``rebuild_reason``)."""
    from sane_desktop.retrieval.indexer import index_catalogue
    from sane_desktop.store.work_queue import Shard

    root = Path(root).expanduser().resolve()
    name = catalogue_name(root, name)
    worker = Shard.parse(shard) if shard is not None else None
    logger.info("index %s as %r: model %s, device %s%s", root, name, model or "the catalogue's own, else bundled",
                device or "auto",
                f", shard {worker.label}" if worker is not None else "")
    _refuse_a_foreign_manifest(index_dir or paths.catalogue_dir(name))
    folders = writer_folders(name, db_url, index_dir)
    # a shard worker shares the catalogue with the others: the database's locks order them, and
    # the folder's writer lock is held only while this worker writes the folder (its build)
    whole_run = writer_locks(folders, f"index {root}") if worker is None else nullcontext()
    index_folder_path = Path(index_dir) if index_dir else paths.catalogue_dir(name)
    inner = held_here(index_folder_path)  # part of a Train's or a model change's run, which took the lock
    with forgotten_on_failure(name, db_url, index_dir), whole_run:
        if worker is None and not inner:  # a model change killed before its end: finished before this run reads it
            recover_stopped_swap(index_folder_path / paths.OWN_MODEL)
        summary = index_catalogue(root, name, model, db_url, mapping, index_dir=index_dir, batch_size=batch_size,
                                  workers=workers, device=device, progress=progress, should_stop=should_stop,
                                  replace=replace, category_map=category_map, memory_budget=memory_budget,
                                  vector_backend=vector_backend, shard=worker, cells=cells, rebuild=rebuild,
                                  build_guard=lambda: writer_locks(folders, f"index --shard {shard} {root}"))
    report = index_report(summary)
    logger.info("indexed %r: %d items, %d outfits, %d skipped, %.1f s", report.name, report.items, report.outfits,
                len(report.skipped), report.seconds)
    from sane_desktop.retrieval.manifest import read_index_manifest

    try:
        written = read_index_manifest(index_dir or paths.catalogue_dir(name))
    except StaleIndexError:
        written = None
    if written is not None:
        report = with_fields(report, uid=written.db_uid, revision=written.db_revision)
    return report


def _refuse_a_foreign_manifest(folder: Path) -> None:
    """InputError when the index folder holds a ``manifest.json`` that no index wrote (a web app's, say): trial
    EC's ``index --index-dir`` into such a folder was told to give ``--model``, and that replaced the user's file.
    A damaged manifest of an index (beside its FAISS files, its lock) is rewritten as before."""
    from sane_desktop.service.catalogues import left_by_an_index

    if (folder / "manifest.json").is_file() and not left_by_an_index(folder):
        raise InputError(f"the index folder {folder} holds a manifest.json that no index wrote (a file of yours?): "
                         "choose another folder for the index (an empty one, or one an index made)")


def memory_budget_bytes(text: str) -> int:
    """A memory budget as a person writes it ("4GiB", "512M", "1500000000") in bytes; InputError
    (one line) for anything else. Same reading as ``SANE_INDEX_MEMORY_BUDGET``."""
    from sane_desktop.retrieval.indexing.build import parse_size

    return parse_size(text, "--memory-budget")


@dataclass(frozen=True)
class TrainRequest:
    """What to train: the preset (``pretrained``/``cpu``/``gpu``; None = by catalogue and device, see
    :func:`default_preset`), the trunk (None = the preset's) and overrides (None = the preset's)."""

    preset: str | None = None
    trunk: str | None = None
    epochs: int | None = None
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)  # TrainConfig fields: weights, width, lr, …
    half: bool = False  # store weights in fp16
    selection_pairs: int = 40  # validation pairs the explanation's attribute selection is fitted on (0: none)


# (catalogue, trained bundle) -> why the catalogue keeps its current model, or None to save the new one
ModelGate = Callable[[Any, Any], "str | None"]


class ModelKept(SaneError):
    """Training ran, but the gate kept the catalogue's current model; ``report`` says what was trained."""

    def __init__(self, reason: str, report: TrainReport) -> None:
        super().__init__(reason)
        self.report = report


@dataclass(frozen=True)
class TrainOutcome:
    """A trained model written to disk, with what the CLI's ``--json`` reports of it."""

    report: TrainReport
    preset: str
    device: str
    threads: int
    mode: str  # "compatibility", or "attributes" for a catalogue without outfits
    items: int
    history: list[dict[str, Any]]
    config: dict[str, Any]
    selection: str | None = None  # what the saved attribute selection was tuned on (None: none saved)


def epochs_run(history: list[dict[str, Any]]) -> int:
    """Epochs a training ran: a run of two phases (the compatibility head, then the attribute head)
    records each epoch once per phase, and counting the records said "4 epochs" for ``--epochs 2``."""
    per_phase: dict[str, int] = {}
    for entry in history:
        phase = str(entry.get("phase", ""))
        per_phase[phase] = per_phase.get(phase, 0) + 1
    return max(per_phase.values(), default=0)


def train_model(root: Path | str, out: Path | str, request: TrainRequest = TrainRequest(), *,
                mapping: Path | str | None = None, device: str | None = None, progress: Progress = no_progress,
                should_stop: CancelCheck = never_cancel, log: Callable[[str], None] | None = None,
                on_epoch: EpochCallback | None = None, gate: ModelGate | None = None) -> TrainOutcome:
    """Train the type-aware compatibility network and the attribute network on a catalogue folder
    (Vasileva et al. ECCV 2018; SANE's attribute net, METHOD.md) and save the checkpoint to ``out``.
    ``gate``: asked with the catalogue and the trained bundle before anything is written; a reason
    it returns keeps ``out`` as it was (:class:`ModelKept`).

    Raises :class:`Cancelled` when stopped (nothing is written), InputError for a catalogue that
    cannot train (no outfits and no attributes), :class:`ModelKept` when the gate refused the model."""
    import torch

    from sane_desktop.service.sources import read_source
    from sane_desktop.models import pick_device
    from sane_desktop.training.budget import budget_stop
    from sane_desktop.training.presets import preset
    from sane_desktop.training.trainer import train

    from sane_desktop.catalogue.provenance import RECORD_KEY
    from sane_desktop.explain.pipeline import check_selection_output
    from sane_desktop.models.checkpoint import check_model_output

    # the outputs are checked before minutes of training, not when they are written
    check_model_output(out)
    check_selection_output(Path(out).with_suffix(".selection.json"))
    with _writing_model(out, "train"):
        torch_device = torch.device(device) if device else pick_device()
        name = request.preset or default_preset(Path(root), torch_device.type, request.trunk)
        logger.info("train on %s: preset %s, device %s, epochs %s -> %s", root, name, torch_device,
                    request.epochs or "preset", out)
        overrides = dict(request.overrides)
        if request.trunk is not None and request.trunk != preset(name).trunk:
            overrides.update(trunk_overrides(request.trunk))
        config = preset(name, epochs=request.epochs, seed=request.seed, **overrides)  # refused before any reading
        if config.freeze_trunk and config.weights != "imagenet":
            raise InputError(f"the {name} preset keeps the ImageNet trunk shipped with the app frozen; to start from "
                             f"other weights ({config.weights}) train the whole network: --preset cpu or --preset gpu")
        catalogue = read_source(root, mapping, progress=progress, should_stop=should_stop, seed=request.seed)
        options: dict[str, Any] = {"progress": progress, "should_stop": should_stop, "device": torch_device,
                                   "on_epoch": on_epoch or (lambda _: None)}
        if log is not None:
            options["log"] = log
        result = train(catalogue, config, **options)
        if should_stop():  # nothing written: a catalogue keeps its model
            raise Cancelled("training cancelled")
        # the catalogue it learnt from: an index of another catalogue with it says so (trial H copied one
        # catalogue's model over another's and a re-index took it without a word)
        result.bundle.config["trained_on"] = {"folder": str(Path(root).resolve())}
        if gate is not None:
            reason = gate(catalogue, result.bundle)
            if reason:
                best = result.history[result.best_epoch - 1] if result.history else {}
                raise ModelKept(reason, TrainReport(Path(out), result.bundle.content_hash, epochs_run(result.history),
                                                    result.best_epoch, best.get("valid_fitb"), best.get("valid_map"),
                                                    round(result.seconds, 1), kept=reason,
                                                    valid_questions=_valid_questions(result.bundle)))
        with _model_lock(Path(out)):
            # the model and its selection change together: both are staged beside ``out`` and moved into
            # place only once the selection is fitted, so a run killed while fitting it (minutes) leaves
            # the old model and its selection as they were (a trial found the new model without one)
            out = Path(out)
            staged = paths.temporary_sibling(out)  # our own name: never a file of the user's
            try:
                content_hash = _save_model(staged, result.bundle, half=request.half)
                if log is not None and request.selection_pairs > 0:  # minutes on a large catalogue: say what runs
                    log(f"fitting the explanation's attribute choice on validation pairs before saving {out}…")
                selection = _fit_selection(Path(root), catalogue, result.bundle, out, request.selection_pairs,
                                           progress, should_stop, staged)
            finally:
                staged.unlink(missing_ok=True)  # moved into place, or a run that stopped: nothing half-made stays
        best = result.history[result.best_epoch - 1] if result.history else {}
        report = TrainReport(Path(out), content_hash, epochs_run(result.history), result.best_epoch,
                             best.get("valid_fitb"), best.get("valid_map", result.bundle.config.get("valid_map")),
                             round(result.seconds, 1),
                             valid_questions=_valid_questions(result.bundle),
                             budget_stop=budget_stop(result.history, config.epochs, result.best_epoch)
                             if config.time_budget_s else None)
        logger.info("trained %s: %d epochs (best %d), %.1f s", out, report.epochs, report.best_epoch, report.seconds)
        return TrainOutcome(report, name, str(torch_device), torch.get_num_threads(),
                            result.bundle.config.get("mode", "compatibility"), len(catalogue.items), result.history,
                            # the history is given apart; the ids of the split trained on stay in the model
                            {k: v for k, v in result.bundle.config.items() if k not in ("history", RECORD_KEY)},
                            selection)


def _save_model(path: Path | str, bundle: Any, *, half: bool = False) -> str:
    """:func:`~sane_desktop.models.save_checkpoint`, its write failures as the OSError behind them: torch's
    zip writer says a disk filling mid-write as "RuntimeError: [enforce fail at inline_container.cc:672] .
    unexpected pos …" (trial CR), where the command line says a full disk in words."""
    import errno

    from sane_desktop.models import save_checkpoint

    try:
        return save_checkpoint(path, bundle, half=half)
    except RuntimeError as error:
        # torch's zip writer says a short write as "unexpected pos": the disk took fewer bytes than written (the
        # partial file is gone by now, so the free space alone cannot tell)
        if "unexpected pos" in str(error) or \
                paths.disk_full_or(OSError(f"short write of {path}"), Path(path).parent).errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from None
        raise OSError(errno.EIO, f"the model could not be written ({str(error).splitlines()[0]})", str(path)) from None


def _valid_questions(bundle: Any) -> int | None:
    """How many validation FITB questions chose the bundle's best epoch (None: not recorded)."""
    asked = bundle.config.get("valid_questions")
    return asked if isinstance(asked, int) else None


def _fit_selection(root: Path, catalogue: Any, bundle: Any, out: Path, pairs: int, progress: Progress,
                   should_stop: CancelCheck, staged: Path) -> str | None:
    """Fit the explanation's attribute selection on validation pairs, then move the staged model
    ``staged`` to ``out`` and write the selection beside it (``<out>.selection.json``, found by
    ``index``/``explain``/the window); returns what it was tuned on, or None when there is nothing to
    fit (no attribute network, no outfits). A file from an earlier model at that path is removed: it
    would describe another model (and is refused by its model hash if a kill leaves it)."""
    from sane_desktop.catalogue.ground_truth import read_ground_truth
    from sane_desktop.explain.evaluation import fit_model_selection

    target = out.with_suffix(".selection.json")
    fitted = fit_model_selection(catalogue, bundle, pairs, ground_truth=read_ground_truth(root), progress=progress,
                                 should_stop=should_stop) if pairs > 0 else None
    if should_stop():  # stopped while fitting: the old model and selection stay
        raise Cancelled("training cancelled")
    if fitted is None:
        os.replace(staged, out)
        target.unlink(missing_ok=True)
        return None
    selection, tuned_on = fitted
    selection.model_hash = bundle.content_hash  # save_checkpoint set it: the file names its model
    # the selection is written to the side too, before either is moved: a disk filling as it was written
    # left the new model beside the old model's selection, after a failure was reported (trial CR)
    staged_selection = paths.temporary_sibling(target)
    try:
        selection.save(staged_selection)
        os.replace(staged, out)  # two renames in one folder: no space needed, nothing half-written between
        os.replace(staged_selection, target)
    finally:
        staged_selection.unlink(missing_ok=True)
    # no pair to fit the weights on: the defaults stand, and train says "not fitted" (trial AL read
    # "fitted on removal oracle" for a selection whose file said "tuned": false)
    return tuned_on if selection.tuned else None


def default_preset(root: Path, device_type: str, trunk: str | None = None) -> str:
    """The preset a catalogue trains with when none is asked for: the frozen ImageNet trunk
    (``pretrained``) for real catalogues, and for the app's drawn demo world (a folder with its
    ground truth) the from-scratch ResNet trunk it was designed for (``cpu``, or ``gpu`` on CUDA),
    which measures better there (README, "Trunks"). An explicit ``trunk`` decides instead."""
    from sane_desktop.catalogue.ground_truth import GROUND_TRUTH_FILE
    from sane_desktop.models.backbone import LITE_TRUNKS

    scratch = "gpu" if device_type == "cuda" else "cpu"
    if trunk is not None:
        return "pretrained" if trunk in LITE_TRUNKS else scratch
    return scratch if (root / GROUND_TRUTH_FILE).is_file() else "pretrained"


def trunk_overrides(trunk: str) -> dict[str, Any]:
    """TrainConfig fields that put ``trunk`` into a preset made for another one."""
    from sane_desktop.models.backbone import LITE_TRUNKS

    if trunk in LITE_TRUNKS:
        return {"trunk": trunk, "weights": "imagenet", "image_size": 224}
    return {"trunk": trunk, "freeze_trunk": False}


def adapt_model(root: Path | str, model: Path | str, out: Path | str, *, max_images: int = 10000,
                batch_size: int = 64, seed: int = 0, mapping: Path | str | None = None, device: str | None = None,
                name: str | None = None, progress: Progress = no_progress,
                should_stop: CancelCheck = never_cancel) -> tuple[AdaptReport, int, list[str]]:
    """Adapt ``model`` to a catalogue's images without labels — every BatchNorm's statistics
    recomputed on them (AdaBN, Li et al. 2016) — and save it to ``out``.

    ``name``: the catalogue's name recorded in the model (default: the folder's). Returns the
    report, the number of BatchNorm layers and the skipped images' descriptions.
    Raises InputError when no image could be read, Cancelled when stopped (nothing written)."""
    from sane_desktop.service.sources import read_source
    from sane_desktop.models import load_checkpoint
    from sane_desktop.models.adapt import adapt_batchnorm, adapted_config, batchnorm_layers, catalogue_batches

    from sane_desktop.models.checkpoint import check_model_output

    if max_images <= 0 or batch_size <= 0:
        raise InputError("the image count and batch size must be positive")
    check_model_output(out)  # before the images are read, not when the model is written
    if Path(out).resolve() == Path(model).resolve():  # a trial adapted the bundled demo.pt onto itself
        raise InputError(f"--out {out} is the model being adapted: give a new file name (the model adapted "
                         "from stays as it is, and indexes built with it stay usable)")
    with _writing_model(out, "adapt"):
        logger.info("adapt %s to %s (at most %d images, device %s) -> %s", model, root, max_images, device or "cpu",
                    out)
        started = time.monotonic()
        bundle = load_checkpoint(Path(model), map_location=device or "cpu")  # a copy: a live model keeps serving
        catalogue = read_source(root, mapping, name=name, progress=progress, should_stop=should_stop)
        skipped: list[str] = []
        seen = adapt_batchnorm(bundle, catalogue_batches(catalogue, bundle.preprocessing, batch_size, max_images, seed,
                                                         skipped, progress), should_stop)
        if should_stop():
            raise Cancelled("adaptation cancelled")
        if not seen:
            raise InputError(f"{root}: no readable image to adapt to ({len(skipped)} skipped)")
        bundle.config = adapted_config(bundle.config, name or Path(root).name, seen, bundle.content_hash)
        with _model_lock(Path(out)):
            content_hash = _save_model(out, bundle)
        logger.info("adapted %s: %d images, %d skipped, %.1f s", out, seen, len(skipped), time.monotonic() - started)
        return AdaptReport(Path(out), content_hash, seen, len(skipped)), len(batchnorm_layers(bundle)), skipped


def _writing_model(out: Path | str, what: str) -> AbstractContextManager[None]:
    """The model file ``out``'s own writer lock (:func:`file_lock_folder`) for a whole train or adapt run: a
    second run into the same file is refused at once, naming the first (trial DT: two ``train --out same.pt``
    both said they had saved their model; the file held the last)."""
    return catalogue_lock(file_lock_folder(Path(out).expanduser().resolve()), f"{what} → {out}", noun="the model file")


def _model_lock(out: Path) -> AbstractContextManager[None]:
    """The writer lock of the catalogue folder a model is written into (``<home>/<name>/model.pt``
    or ``…/models/latest.pt``), nothing for a model written anywhere else."""
    for folder in (out.parent, out.parent.parent):
        if (folder / paths.CATALOGUE_DB).is_file():
            return catalogue_lock(folder, f"write model {out.name}")
    return nullcontext()
