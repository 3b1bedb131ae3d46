"""Saliency methods: exact decomposition, RISE mask bank and maps, sliding window."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from test_explain_toys import RegionNet, random_images, small_compatibility_net
from sane_desktop.explain import get_explainer
from sane_desktop.explain.fast import (
    batch_cell_maps,
    cell_attribution,
    content_weight,
    fill_image,
    joint_cell_map,
)
from sane_desktop.explain.masks import generate_masks
from sane_desktop.explain.rise import RiseExplainer, masked_embeddings, rise_maps, rise_scores
from sane_desktop.explain.sliding import occluder_boxes


def test_fast_cells_sum_to_model_cosine():
    model = small_compatibility_net()
    images = random_images(2)
    space = model.space_index(0, 2)
    result = get_explainer("fast", model).explain(images[0], images[1], space)
    with torch.no_grad():
        emb = model(images)
        expected = float((model.project(emb[:1], space) * model.project(emb[1:], space)).sum())
    assert result.forward_passes == 2
    detailed = get_explainer("fast_detail", model).explain(images[0], images[1], space)
    assert detailed.forward_passes == 2  # the pair once: the gradient × input detail is a backward pass through it
    assert abs(detailed.extras["query_cells"].sum() - expected) < 1e-5  # the exact cells stay available
    assert not np.allclose(detailed.query_map, result.query_map)
    assert abs(result.similarity - expected) < 1e-5
    assert abs(result.extras["query_cells"].sum() - expected) < 1e-5
    assert abs(result.extras["candidate_cells"].sum() - expected) < 1e-5
    assert abs(result.extras["joint"].sum() - expected) < 1e-5
    assert result.extras["joint"].shape == (49, 49)
    assert result.query_map.shape == (112, 112) and result.query_map.dtype == np.float32


def test_fast_detail_makes_one_forward_pass_for_a_pair_and_each_image_gets_its_own_gradient():
    """One backward pass through the pair's forward pass refines both maps: each must equal the map
    of that image alone against the other's embedding (its own gradient, not the pair's mixed)."""
    model = small_compatibility_net(2)
    images = random_images(2, seed=5)
    space = model.space_index(0, 2)
    explainer = get_explainer("fast_detail", model)
    pair = explainer.explain(images[0], images[1], space)
    with torch.no_grad():
        query_embedding, candidate_embedding = model(images)
    alone_query, passes = explainer.explain_map(images[0], candidate_embedding, space)
    alone_candidate, _ = explainer.explain_map(images[1], query_embedding, space)
    assert passes == 1
    # the pair's terms come from the batched decomposition, the lone maps' from one image: float noise apart
    assert np.abs(pair.query_map - alone_query.numpy()).max() < 1e-4 * np.abs(pair.query_map).max()
    assert np.abs(pair.candidate_map - alone_candidate.numpy()).max() < 1e-4 * np.abs(pair.candidate_map).max()
    assert not np.allclose(pair.query_map, get_explainer("fast", model).explain(images[0], images[1], space).query_map)

    counting = RegionNet()
    detail = get_explainer("fast_detail", counting)
    detail.explain(images[0], images[1], 0)
    assert counting.forward_passes == 3  # the pair and the blank image, as the plain fast map
    detail.explain_map(images[0], torch.ones(8), 0)
    assert counting.forward_passes == 4


def test_fast_terms_relative_to_the_blank_image_sum_to_the_score_difference():
    model = small_compatibility_net(3)
    images = random_images(2, seed=4)
    space = model.space_index(1, 2)
    explainer = get_explainer("fast", model)
    result = explainer.explain(images[0], images[1], space)
    blank = fill_image((112, 112), explainer.preprocessing)
    with torch.no_grad():
        emb = model(torch.stack([images[0], images[1], blank]))
        e = model.project(emb, space)
    blank_vs_r, blank_vs_q = float(e[2] @ e[1]), float(e[2] @ e[0])
    assert abs(result.extras["blank_share"][0] - blank_vs_r) < 1e-5
    assert abs(result.extras["query_cells_vs_blank"].sum() - (result.similarity - blank_vs_r)) < 1e-5
    assert abs(result.extras["candidate_cells_vs_blank"].sum() - (result.similarity - blank_vs_q)) < 1e-5


def test_fast_makes_the_blank_image_pass_once_per_size():
    model = RegionNet()
    explainer = get_explainer("fast", model)
    images = random_images(2, seed=6)
    explainer.explain(images[0], images[1], 0)
    assert model.forward_passes == 3  # the pair and the blank image
    explainer.explain(images[1], images[0], 0)
    assert model.forward_passes == 5


def test_content_weight_is_zero_on_the_fill_and_one_far_from_it():
    from sane_desktop.models.preprocess import Preprocessing

    prep = Preprocessing()
    white = fill_image((4, 4), prep)
    black = ((torch.zeros(3) - torch.tensor(prep.mean)) / torch.tensor(prep.std)).view(3, 1, 1).expand(3, 4, 4)
    grey = (white + black) / 2  # RGB 0.5: exactly at the default scale
    weights = content_weight(torch.stack([white, black, grey]), prep)
    assert weights.shape == (3, 4, 4)
    assert float(weights[0].max()) < 1e-5
    assert torch.allclose(weights[1], torch.ones(4, 4))
    assert torch.allclose(weights[2], torch.ones(4, 4), atol=1e-4)
    assert torch.allclose(content_weight(grey, prep, scale=1.0), torch.full((4, 4), 0.5), atol=1e-4)


def test_fast_batch_matches_single_pairs():
    model = small_compatibility_net(1)
    images = random_images(5, seed=1)
    with torch.no_grad():
        cells = model.cells(images)
    spaces = torch.tensor([model.space_index(0, c) for c in (0, 1, 2, 1)])
    masks = model.space_masks()[spaces]
    q_maps, c_maps, sims = batch_cell_maps(cells[0], cells[1:], masks)
    assert q_maps.shape == (4, 7, 7)
    for k in range(4):
        single = cell_attribution(cells[0], cells[k + 1 : k + 2], masks[k])
        assert torch.allclose(single.query_terms[0].reshape(7, 7), q_maps[k], atol=1e-6)
        joint = joint_cell_map(cells[0], cells[k + 1], masks[k])
        assert torch.allclose(joint.sum(1).reshape(7, 7), q_maps[k], atol=1e-6)
        assert torch.allclose(joint.sum(0).reshape(7, 7), c_maps[k], atol=1e-6)
        assert abs(float(q_maps[k].sum()) - float(sims[k])) < 1e-5


def test_mask_bank_statistics_and_seed():
    masks = generate_masks(n=1000, s=8, p=0.5, size=112, seed=3)
    assert masks.shape == (1000, 112, 112)
    assert float(masks.min()) >= 0.0 and float(masks.max()) <= 1.0
    per_pixel = masks.mean(0)
    assert abs(float(per_pixel.mean()) - 0.5) < 0.02
    assert float((per_pixel - 0.5).abs().max()) < 0.08
    assert torch.equal(masks[:5], generate_masks(n=1000, s=8, p=0.5, size=112, seed=3)[:5])
    assert not torch.equal(masks[:5], generate_masks(n=1000, s=8, p=0.5, size=112, seed=4)[:5])
    # smooth, not binary: bilinear upsampling of the grid
    assert float(((masks > 0.05) & (masks < 0.95)).float().mean()) > 0.2


def _mass_inside(saliency: np.ndarray, rows: slice, cols: slice) -> float:
    """Share of the map's mass above its median that lies inside the region."""
    positive = np.clip(saliency - np.median(saliency), 0, None)
    return float(positive[rows, cols].sum() / (positive.sum() + 1e-12))


@pytest.mark.parametrize("method", ["fast", "rise", "sliding"])
def test_methods_light_up_the_only_region_the_model_sees(method):
    torch.manual_seed(0)
    model = RegionNet(region=(slice(4, 7), slice(4, 7)))  # bottom-right block of cells
    images = random_images(2, seed=5)
    options = {"n_masks": 2000} if method == "rise" else {}
    # a pair of identical images: any change inside the seen region lowers the similarity
    result = get_explainer(method, model, **options).explain(images[0], images[0].clone(), 0)
    saliency = result.query_map
    # the model sees pixels 64..112 on both axes; maps blur by up to half an occluder (16 px)
    peak = np.unravel_index(np.argmax(saliency), saliency.shape)
    assert min(peak) >= 56, peak
    assert _mass_inside(saliency, slice(48, 112), slice(48, 112)) > 0.9
    assert _mass_inside(saliency, slice(0, 48), slice(0, 112)) < 0.05


def test_rise_reuse_equals_per_pair_and_counts_passes():
    model = small_compatibility_net(2)
    images = random_images(4, seed=2)
    explainer = RiseExplainer(model, n_masks=64, seed=1)
    spaces = torch.tensor([model.space_index(0, c) for c in (0, 1, 2)])
    embeddings = explainer.embed(images)
    shared = explainer.explain_many(images[0], embeddings[1:], spaces)
    for k in range(3):
        single, passes = explainer.explain_map(images[0], embeddings[k + 1], int(spaces[k]))
        assert passes == 64
        assert torch.allclose(single, shared[k], atol=1e-5)
    # direct definition: S = Σ s_i M_i / Σ M_i with s_i the masked query's cosine
    with torch.no_grad():
        masked = model(images[0][None] * explainer.masks[:, None])
        s = (model.project(masked, int(spaces[0])) * model.project(embeddings[1:2], int(spaces[0]))).sum(-1)
        direct = (s[:, None, None] * explainer.masks).sum(0) / explainer.masks.sum(0)
    assert torch.allclose(direct, shared[0], atol=1e-5)


def test_rise_progressive_converges_to_full_map():
    model = small_compatibility_net(3)
    images = random_images(2, seed=3)
    explainer = RiseExplainer(model, n_masks=200, seed=0)
    reference = explainer.embed(images[1:])[0]
    steps = list(explainer.progressive(images[0], reference, 0, chunk=50, stop_correlation=1.01))
    assert [s.masks_used for s in steps] == [50, 100, 150, 200]
    full, _ = explainer.explain_map(images[0], reference, 0)
    assert torch.allclose(steps[-1].map, full, atol=1e-5)
    early = list(explainer.progressive(images[0], reference, 0, chunk=50, stop_correlation=-1.0))
    assert len(early) == 2 and early[-1].done


def test_rise_scores_match_project():
    model = small_compatibility_net(4)
    torch.manual_seed(4)
    emb, refs = torch.randn(6, 16), torch.randn(3, 16)
    spaces = torch.tensor([0, 3, 5])
    with torch.no_grad():
        scores = rise_scores(emb, refs, model.space_masks(), spaces)
        for k in range(3):
            expected = (model.project(emb, int(spaces[k])) * model.project(refs[k : k + 1], int(spaces[k]))).sum(-1)
            assert torch.allclose(scores[:, k], expected, atol=1e-5)
    assert rise_maps(scores, torch.ones(6, 4, 4)).shape == (3, 4, 4)


def test_sliding_window_shape_and_pass_count():
    boxes = occluder_boxes(112)
    assert len(boxes) == 625
    assert boxes[0] == (0, 0, 24, 24) and boxes[-1] == (88, 88, 112, 112)
    assert boxes[12 * 25 + 12] == (40, 40, 72, 72)  # centred occluder is a full 32×32 square
    model = RegionNet()
    images = random_images(2, seed=6)
    explainer = get_explainer("sliding", model)
    reference = explainer.embed(images[1:])[0]
    model.forward_passes = 0
    saliency, passes = explainer.explain_map(images[0], reference, 0)
    assert passes == 625 and model.forward_passes == 625
    assert saliency.shape == (112, 112)


def test_masked_embeddings_batches_consistently():
    model = small_compatibility_net(5)
    image = random_images(1, seed=7)[0]
    masks = generate_masks(n=10, seed=0)
    a = masked_embeddings(model, image, masks, batch_size=3)
    b = masked_embeddings(model, image, masks, batch_size=10)
    assert torch.allclose(a, b, atol=1e-5)


def test_a_stop_is_heard_within_a_small_cpu_batch():
    """A trial's new list waited about 5 s behind a stopped CPU refinement: the stop is asked once
    per batch, and a batch of 64 masks through a pretrained trunk takes seconds on a CPU. There the
    batch is at most CPU_STOP_BATCH masks, whatever the caller asked for."""
    from sane_desktop.explain.rise import CPU_STOP_BATCH
    from sane_desktop.progress import Cancelled

    model = small_compatibility_net(5)
    seen: list[int] = []
    forward = model.forward
    model.forward = lambda batch: (seen.append(batch.shape[0]), forward(batch))[1]  # type: ignore[method-assign]
    masks = generate_masks(n=64, seed=0)
    asked = iter([False, True])
    with pytest.raises(Cancelled):
        masked_embeddings(model, random_images(1, seed=7)[0], masks, batch_size=64, should_stop=lambda: next(asked))
    assert seen == [CPU_STOP_BATCH] and CPU_STOP_BATCH <= 16


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_rise_cuda_bf16_close_to_cpu():
    model = small_compatibility_net(6)
    images = random_images(2, seed=8)
    cpu = RiseExplainer(model, n_masks=200).explain(images[0], images[1], 1)
    gpu = RiseExplainer(model.cuda(), n_masks=200).explain(images[0], images[1], 1)
    corr = np.corrcoef(cpu.query_map.ravel(), gpu.query_map.ravel())[0, 1]
    assert corr > 0.95


def test_methods_follow_the_input_size():
    from sane_desktop.explain.sliding import occluder_boxes

    model = small_compatibility_net(8)
    images = random_images(2, seed=10, size=224)
    fast = get_explainer("fast", model).explain(images[0], images[1], 1)
    assert fast.query_map.shape == (224, 224) and fast.extras["joint"].shape == (196, 196)
    assert abs(fast.extras["query_cells"].sum() - fast.similarity) < 1e-5
    rise = get_explainer("rise", model, n_masks=8).explain(images[0], images[1], 1)
    assert rise.query_map.shape == (224, 224)
    boxes = occluder_boxes(224)
    assert len(boxes) == 625 and boxes[12 * 25 + 12] == (80, 80, 144, 144)


def test_fast_zoom_draws_a_finer_grid_and_keeps_the_exact_cells():
    """``zoom``: the map drawn from the terms of the input enlarged z times (a grid z times finer
    over the same picture, issue 17 point 3), while the similarity and the cells stay the exact
    native decomposition; the enlarged terms are themselves an exact split of the enlarged image's
    cosine, relative to the blank image of that size."""
    from types import SimpleNamespace

    from sane_desktop.errors import InputError
    from sane_desktop.explain.fast import DETAIL_REFINE, FastExplainer, detail_settings
    from sane_desktop.explain.targets import PairScore

    model = small_compatibility_net(4)
    images = random_images(2, seed=7)
    space = model.space_index(0, 2)
    plain = get_explainer("fast", model).explain(images[0], images[1], space)
    zoomed = FastExplainer(model, zoom=2)
    result = zoomed.explain(images[0], images[1], space)
    assert result.similarity == pytest.approx(plain.similarity, abs=1e-6) and result.forward_passes == 4
    assert abs(result.extras["query_cells"].sum() - plain.similarity) < 1e-5  # native cells, exact
    assert result.query_map.shape == (112, 112) and not np.allclose(result.query_map, plain.query_map)
    with torch.no_grad():
        emb = model(images)
        terms = zoomed.zoomed_terms(images[:1], [PairScore(emb[1], space)])[0]
        big = torch.nn.functional.interpolate(images[:1], scale_factor=2, mode="bilinear", align_corners=False)
        blank = fill_image((224, 224), zoomed.preprocessing)
        e = model.project(model(torch.cat([big, blank[None]])), space)
        r = model.project(emb[1:], space)[0]
    assert terms.shape == (4 * plain.extras["query_cells"].size,)
    assert float(terms.sum()) == pytest.approx(float(e[0] @ r - e[1] @ r), abs=1e-5)
    sizes: list[tuple[int, ...]] = []  # the picture sizes sent through the network
    native_cells = model.cells
    model.cells = lambda x: (sizes.append(tuple(x.shape[-2:])), native_cells(x))[1]  # type: ignore[method-assign]
    alone, passes = zoomed.explain_map(images[0], emb[1], space)
    assert passes == 1 and np.abs(alone.numpy() - result.query_map).max() < 1e-4 * np.abs(result.query_map).max()
    assert sizes == [(224, 224)]  # the enlarged picture only: no native pass to throw away (blank: cached)
    del model.cells
    for bad in (0, 5):
        with pytest.raises(InputError, match="zoom"):
            FastExplainer(model, zoom=bad)
    # fast_detail's finer map follows the trunk: chosen on validation pairs for each (README)
    assert detail_settings(SimpleNamespace(trunk=SimpleNamespace(kind="efficientnet_lite0_colour"))) == (0.0, 2)
    assert detail_settings(model) == (DETAIL_REFINE, 1)
    detail = get_explainer("fast_detail", model)
    assert (detail.settings.refine, detail.settings.zoom) == (DETAIL_REFINE, 1)
