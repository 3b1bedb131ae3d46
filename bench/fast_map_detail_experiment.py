"""Experiment (not shipped): sharpen the fast map with one backward pass. Variants of the drawn map on
the same pairs — the shipped one (exact cell terms relative to the blank image × content weight),
that map × (1 + β·g) where g is the smoothed positive part of gradient × (x − white) scaled to [0, 1],
the cell terms spread within each cell by g, and gradient × input alone — scored by insertion /
deletion AUC and the pointing game by theme kind (demo ground truth). Writes JSON.

    .venv/bin/python bench/fast_map_detail_experiment.py CATALOGUE SPLIT PAIRS [--out FILE]
"""
import json
import sys, numpy as np, torch, torch.nn.functional as F
from collections import defaultdict
from sane_desktop.catalogue import read_catalogue
from sane_desktop.catalogue.ground_truth import read_ground_truth
from sane_desktop.models.checkpoint import load_checkpoint
from sane_desktop.explain import get_explainer
from sane_desktop.explain.base import upsample
from sane_desktop.explain.fast import fill_image, content_weight, _terms, MAP_MODE
from sane_desktop.explain.pairs import PairImages, sample_pairs, pair_space
from sane_desktop.explain.metrics import box_to_crop, pointing_hit, perturbation_curves, white_background, summarise_curves

cat_path, split, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
results = {"catalogue": cat_path, "split": split, "pairs": n, "seed": 1, "model": "resources/models/demo.pt", "variants": {}}
catalogue = read_catalogue(cat_path); truth = read_ground_truth(cat_path)
bundle = load_checkpoint("resources/models/demo.pt"); model = bundle.compatibility.eval(); prep = bundle.preprocessing
for p in model.parameters(): p.requires_grad_(False)
images = PairImages(catalogue, bundle); by_id = images.by_id
pairs = sample_pairs(catalogue, split, n, 1, model.categories)
fast = get_explainer("fast", model, preprocessing=prep)
bg = white_background(prep.mean, prep.std)
white = fill_image((112, 112), prep)

def grad_input(q, ref, space):
    x = q[None].clone().requires_grad_(True)
    e = model(x)
    s = (model.project(e, space) * model.project(ref[None], space)).sum()
    g, = torch.autograd.grad(s, x)
    return (g[0] * (q - white)).sum(0)  # (H, W) signed first-order contribution vs white

def within_cell(weight, side=7, smooth=5):
    w = F.avg_pool2d(weight[None, None], smooth, 1, smooth // 2, count_include_pad=False)[0, 0]
    cell_mean = F.adaptive_avg_pool2d(w[None, None], side)  # (1,1,7,7)
    local = upsample(cell_mean[0, 0], w.shape, "bilinear")
    return w / local.clamp_min(1e-6 * float(w.mean()) + 1e-12)

variants = defaultdict(lambda: {"ins": [], "del": [], "hit": defaultdict(list)})
for pair in pairs:
    q, c = images[pair.query], images[pair.candidate]
    space = pair_space(bundle, by_id, pair)
    ref = fast.embed(c[None])[0]
    with torch.inference_mode():
        cells = fast.cells(q[None])[0]; base = fast.baseline_cells((112, 112))
        mask = model.space_masks()[space].float()
        r = ref.float() * mask; r = r / r.norm()
        terms = (_terms(cells, mask, r) - _terms(base, mask, r)).reshape(7, 7)
    up = upsample(terms, (112, 112), MAP_MODE)
    cw = content_weight(q, prep)
    gi = grad_input(q, ref, space).detach()
    gpos = gi.clamp_min(0); gpos = F.avg_pool2d(gpos[None, None], 5, 1, 2, count_include_pad=False)[0, 0]
    gpos = gpos / gpos.max().clamp_min(1e-12)
    cur = up * cw
    maps = {
        "current": cur,
        "current x (1 + 1 gxi+)": cur * (1 + gpos),
        "current x (1 + 3 gxi+)": cur * (1 + 3 * gpos),
        "current x (1 + 10 gxi+)": cur * (1 + 10 * gpos),
        "cells x relu(gxi) within cell": up * within_cell(gi.clamp_min(0)),
        "gradxinput alone": gi,
    }
    truth_box = None
    if pair.positive:
        outfit = truth["outfits"][pair.outfit]; item = truth["items"][pair.query]
        region = outfit.get("region", "garment"); box = item["regions"].get(region)
        if box:
            truth_box = (outfit["theme_kind"], box_to_crop(box, (by_id[pair.query].width, by_id[pair.query].height), 112))
    for name, m in maps.items():
        m = m.detach().float().numpy()
        ins, dele = perturbation_curves(model, q, m, ref, space, bg)
        variants[name]["ins"].append(ins); variants[name]["del"].append(dele)
        if truth_box:
            variants[name]["hit"][truth_box[0]].append(pointing_hit(m, truth_box[1]))
for name, v in variants.items():
    ins = summarise_curves(v["ins"]).auc; dele = summarise_curves(v["del"]).auc
    hits = {k: round(float(np.mean(h)), 2) for k, h in v["hit"].items()}
    allh = np.mean([x for h in v["hit"].values() for x in h])
    print(f"{cat_path} {split} {name:40s} ins {ins:.3f} del {dele:.3f} pointing {allh:.2f} {hits}")
    results["variants"][name] = {"insertion_auc": ins, "deletion_auc": dele, "pointing": float(allh), "pointing_by_theme_kind": hits}
if out:
    open(out, "w").write(json.dumps(results, indent=1))
