"""The manifest beside a catalogue's FAISS files: what they were built from (DESIGN.md).

``manifest.json`` is written atomically after every index file it names; the same facts go into
the store's ``index_manifests`` table. :func:`check` says why an index cannot answer for a model and
database any more — a reason means rebuild, never a silently wrong answer.

Format 3 records the category mapping (``category_map``: catalogue category -> model category or
``general``, and ``category_how``: exact / auto / user / general, :mod:`.category_map`); the indexes
are keyed by the catalogue's own category names. Older manifests still read (their new fields
empty) and :func:`check` answers "re-run sane-desktop index" for them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sane_desktop.errors import StaleIndexError
from sane_desktop.retrieval.category_map import USER

FORMAT_VERSION = 3  # 2: every index file's SHA-256; 3: the category mapping (older manifests mean rebuild)
MANIFEST_NAME = "manifest.json"
METRIC = "inner_product"
NO_INDEX = "no index yet"  # check()'s reason when there is no manifest at all


@dataclass
class CategoryIndex:
    category: str  # the catalogue's own category name
    category_index: int  # position in the model's category list (the type); C (after them) for general
    file: str  # relative to the manifest's folder
    index_type: str
    spec: dict[str, Any]
    vector_count: int
    sha256: str = ""  # of the file as written; loading verifies it (format 1 manifests lack it)
    model_category: str = ""  # the model category it is searched as, or "general" (format 3)
    dimension: int = 0  # of its vectors; 0: the manifest's (format 2)


@dataclass
class Manifest:
    catalogue: str
    model_hash: str
    model_path: str
    model_categories: list[str]
    preprocessing: dict[str, Any]
    embed_dim: int
    dimension: int
    db_revision: int
    metric: str = METRIC
    format_version: int = FORMAT_VERSION
    indexes: dict[str, CategoryIndex] = field(default_factory=dict)
    # catalogue category -> model category or "general", and how each was decided (exact/auto/user/general)
    category_map: dict[str, str] = field(default_factory=dict)
    category_how: dict[str, str] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())

    @property
    def vector_count(self) -> int:
        return sum(entry.vector_count for entry in self.indexes.values())

    @property
    def user_map(self) -> dict[str, str]:
        """The categories the user mapped, with their targets (what a re-index keeps)."""
        return {name: target for name, target in self.category_map.items() if self.category_how.get(name) == USER}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        data = dict(data)
        data["indexes"] = {name: CategoryIndex(**entry) for name, entry in data.get("indexes", {}).items()}
        return cls(**data)


def write_index_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``folder/manifest.json`` atomically (temporary file, fsync, rename); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MANIFEST_NAME
    tmp = folder / f".{MANIFEST_NAME}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(manifest.as_dict(), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path


def read_index_manifest(folder: Path) -> Manifest | None:
    """The manifest in ``folder``, None when there is none; raises StaleIndexError when unreadable."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        manifest = Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as error:
        raise StaleIndexError(f"{path} is not a readable index manifest ({error})") from error
    return manifest


def manifest_stamp(folder: Path) -> tuple[int, int, int] | None:
    """A cheap identity of ``folder``'s manifest: (inode, mtime_ns, size), None when there is none.

    Every build writes a new manifest by rename, so a re-index from anywhere changes it; an open
    catalogue compares it with what it loaded before each search (never a stale answer)."""
    try:
        stat = (folder / MANIFEST_NAME).stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def check(manifest: Manifest | None, *, model_hash: str, preprocessing: dict[str, Any],
          db_revision: int | None = None, user_map: dict[str, str] | None = None) -> str | None:
    """The reason ``manifest`` does not describe an index for this model/database (and, when given,
    the user's category choices ``user_map``: catalogue category -> model category or general), or None."""
    if manifest is None:
        return NO_INDEX
    if manifest.format_version != FORMAT_VERSION:
        return f"index format {manifest.format_version} (this program writes {FORMAT_VERSION})"
    if manifest.model_hash != model_hash:
        return f"built with another model ({manifest.model_hash[:12]}, now {model_hash[:12]})"
    if manifest.preprocessing != preprocessing:
        return f"built with other preprocessing ({manifest.preprocessing}, now {preprocessing})"
    if manifest.metric != METRIC:
        return f"built for metric {manifest.metric}"
    if db_revision is not None and manifest.db_revision != db_revision:
        return f"catalogue re-imported since indexing (revision {manifest.db_revision}, now {db_revision})"
    if user_map is not None and dict(user_map) != manifest.user_map:
        return f"category mapping changed ({_describe(manifest.user_map)}, now {_describe(user_map)})"
    return None


def _describe(user_map: dict[str, str]) -> str:
    return ", ".join(f"{name}={target}" for name, target in sorted(user_map.items())) or "automatic"
