"""``sane-desktop explain NAME --query ID --candidate ID``: why do these two items match?

Saliency maps of both images (fast, rise or sliding) and the explaining attribute of the query
with each part of its score. Maps are saved as ``.npy`` at the model's 112×112 resolution, aligned
with the centre crop of the short-side-resized image, plus PNG overlays. Results are cached per
(model hash, query, candidate, method) under ``index/<NAME>/explanations/``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from sane_desktop.cli import CliError, add_json_flag

METHOD_CHOICES = ("fast", "rise", "sliding")
ALIGNMENT = "model input: short side resized to {size} px, centre crop {size}x{size}"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain", help="explain why two catalogue items match (saliency + attribute)",
        description="SANE explanation of a match: saliency maps of both images in the pair's type space and "
        "the query's explaining attribute (confidence, map match, prior).")
    parser.add_argument("name", help="indexed catalogue name (index/<NAME>/)")
    parser.add_argument("--query", help="catalogue item id of the query")
    parser.add_argument("--candidate", help="catalogue item id of the candidate")
    parser.add_argument("--method", choices=METHOD_CHOICES, default="fast")
    parser.add_argument("--pairs", type=Path, help='JSON list of {"query": ID, "candidate": ID}: one JSON line each')
    parser.add_argument("--save-maps", type=Path, help="folder for .npy maps and PNG overlays "
                        "(default: the cache folder)")
    parser.add_argument("--model", type=Path, help="checkpoint (default: the one the index was built with)")
    parser.add_argument("--selection", type=Path, help="fitted attribute selection (default: index/<NAME>/explain_selection.json"
                        " written by evaluate-explanations --save-selection, else <model>.selection.json beside the model)")
    parser.add_argument("--rise-masks", type=int, default=2000, help="RISE masks (default 2000)")
    parser.add_argument("--no-cache", action="store_true", help="recompute even when cached")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def _resolve_model(index_dir: Path, override: Path | None) -> Path:
    if override is not None:
        return override
    from sane_desktop.retrieval.manifest import read_manifest

    manifest = read_manifest(index_dir)
    if manifest is None or not manifest.model_path:
        raise CliError(f"no index manifest in {index_dir}: run `sane-desktop index` or pass --model")
    return Path(manifest.model_path)


def _load_items(engine: Any, name: str, item_ids: set[str]) -> tuple[Path, dict[str, tuple[str, str]]]:
    """Catalogue root and item_id -> (image path, category name)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from sane_desktop.retrieval.indexer import catalogue_pk
    from sane_desktop.store import schema as S

    try:
        pk, _, root, _ = catalogue_pk(engine, name)
    except LookupError:
        pk, _, root, _ = catalogue_pk(engine, None)
    with Session(engine) as session:
        rows = session.execute(
            select(S.Item.item_id, S.Item.image_path, S.Category.name)
            .join(S.Category, S.Item.category_id == S.Category.id)
            .where(S.Item.catalogue_id == pk, S.Item.item_id.in_(sorted(item_ids)))).all()
    found = {row[0]: (row[1], row[2]) for row in rows}
    missing = sorted(item_ids - set(found))
    if missing:
        raise CliError(f"unknown item id(s) in catalogue {name!r}: {', '.join(missing[:5])}")
    return Path(root), found


class _Session:
    """Everything loaded once for a batch of pair explanations."""

    def __init__(self, args: argparse.Namespace) -> None:
        from sane_desktop.explain.base import get_explainer
        from sane_desktop.explain.cache import ExplanationCache
        from sane_desktop.explain.pipeline import SelectionModel, find_selection
        from sane_desktop.models.checkpoint import CheckpointError, load_checkpoint
        from sane_desktop.paths import catalogue_dir, default_db_url
        from sane_desktop.store.db import open_store

        self.args = args
        self.index_dir = catalogue_dir(args.name)
        if not (self.index_dir / "catalogue.db").is_file():
            raise CliError(f"no indexed catalogue named {args.name!r} in {self.index_dir.parent} "
                           "(run `sane-desktop index` first)")
        model_path = _resolve_model(self.index_dir, args.model)
        try:
            self.bundle = load_checkpoint(model_path)
        except (FileNotFoundError, CheckpointError) as error:
            raise CliError(str(error)) from error
        self.engine = open_store(default_db_url(args.name))
        self.model = self.bundle.compatibility.eval()
        names = list(self.bundle.attributes.attributes) if self.bundle.attributes is not None else []
        if args.selection:
            try:
                self.selection = SelectionModel.load(args.selection, names)
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise CliError(f"{args.selection}: {error}") from error
        else:
            self.selection = find_selection(names, self.index_dir, model_path)
        options = {"rise": {"n_masks": args.rise_masks},
                   "fast": {"preprocessing": self.bundle.preprocessing}}.get(args.method, {})
        self.explainer = get_explainer(args.method, self.model, **options)
        self.cache = ExplanationCache(self.index_dir / "explanations")
        self.options = json.dumps({"masks": args.rise_masks if args.method == "rise" else None,
                                   "version": self.explainer.version, "attribute_maps": 1,
                                   "selection": hashlib.sha256(json.dumps(self.selection.as_dict()).encode())
                                   .hexdigest()[:16]})

    def explain(self, query: str, candidate: str) -> dict[str, Any]:
        import numpy as np

        from sane_desktop.explain.cache import cache_key
        from sane_desktop.explain.overlay import blend, denormalise, save_png
        from sane_desktop.explain.pipeline import explain_match
        from sane_desktop.models.preprocess import load_image_tensor

        root, items = _load_items(self.engine, self.args.name, {query, candidate})
        categories = self.model.categories
        for item_id in (query, candidate):
            if items[item_id][1] not in categories:
                raise CliError(f"item {item_id}: category {items[item_id][1]!r} is not one the model knows")
        space = self.model.space_index(categories.index(items[query][1]), categories.index(items[candidate][1]))
        key = cache_key(self.bundle.content_hash, query, candidate, self.args.method, self.options)
        prep = self.bundle.preprocessing
        images = {i: load_image_tensor(root / items[i][0], prep) for i in (query, candidate)}
        cached = None if self.args.no_cache else self.cache.get(key)
        if cached is not None:
            summary, maps = cached
            summary["cached"] = True
        else:
            result = explain_match(self.model, self.bundle.attributes, images[query], images[candidate], space,
                                   self.args.method, self.selection, self.explainer)
            maps = {"query": result.saliency.query_map, "candidate": result.saliency.candidate_map}
            if result.attribute_maps is not None:
                maps["attribute_query"], maps["attribute_candidate"] = result.attribute_maps
            summary = {
                "query": query, "candidate": candidate, "method": self.args.method,
                "attribute": result.attribute,
                "attributes": [s.as_dict() for s in result.attributes],
                "similarity": result.saliency.similarity,
                "space": space, "seconds": round(result.seconds, 5),
                "forward_passes": result.saliency.forward_passes,
                "selection_tuned": self.selection.tuned, "model_hash": self.bundle.content_hash,
                "cached": False,
            }
            self.cache.put(key, summary, maps)
        out_dir = self.args.save_maps or (self.index_dir / "explanations" / "maps")
        out_dir.mkdir(parents=True, exist_ok=True)
        pictures = {role: denormalise(images[item].numpy(), prep.mean, prep.std)
                    for role, item in (("query", query), ("candidate", candidate))}

        def save(name: str, role: str, target: dict[str, Any]) -> None:
            stem = out_dir / f"{key}_{name}"
            np.save(stem.with_suffix(".npy"), maps[name].astype(np.float32))
            save_png(blend(pictures[role], maps[name]), stem.with_suffix(".png"))
            target[role], target[f"{role}_overlay"] = str(stem.with_suffix(".npy")), str(stem.with_suffix(".png"))

        paths: dict[str, Any] = {"resolution": [prep.size, prep.size], "alignment": ALIGNMENT.format(size=prep.size)}
        for role in ("query", "candidate"):
            save(role, role, paths)
        if "attribute_query" in maps and summary.get("attribute"):
            # where the attribute net sees the explaining attribute (its activation map, logits)
            paths["attribute"] = {"name": summary["attribute"]}
            for role in ("query", "candidate"):
                save(f"attribute_{role}", role, paths["attribute"])
        summary["maps"] = paths
        return summary


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pairs = [(str(entry["query"]), str(entry["candidate"])) for entry in data]
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise CliError(f"{path}: expected a JSON list of {{\"query\": ID, \"candidate\": ID}} ({error})") from error
    if not pairs:
        raise CliError(f"{path}: no pairs")
    return pairs


def run(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.pairs is None and not (args.query and args.candidate):
        raise CliError("give --query ID --candidate ID, or --pairs FILE")
    if args.rise_masks <= 0:
        raise CliError("--rise-masks must be positive")
    pairs = _read_pairs(args.pairs) if args.pairs is not None else None
    session = _Session(args)
    if pairs is None:
        return session.explain(args.query, args.candidate)
    for query, candidate in pairs:  # one JSON object per line, as each finishes
        sys.stdout.write(json.dumps(session.explain(query, candidate), default=str) + "\n")
        sys.stdout.flush()
    return None


def render(result: dict[str, Any]) -> str:
    lines = [f"{result['query']} ~ {result['candidate']}: similarity {result['similarity']:.3f} "
             f"({result['method']}, {result['seconds'] * 1000:.1f} ms{', cached' if result.get('cached') else ''})"]
    if result["attribute"]:
        lines.append(f"explaining attribute: {result['attribute']}")
        for entry in result["attributes"][:5]:
            lines.append(f"  {entry['name']:16s} score {entry['score']:8.3f}  confidence {entry['confidence']:.3f}  "
                         f"match {entry['match']:.3f}  prior {entry['prior']:.3f}")
    lines.append(f"maps: {result['maps']['query_overlay']}, {result['maps']['candidate_overlay']}")
    return "\n".join(lines)
