"""INN counterfactual contract: every row reaches the five column centres."""

import numpy as np
import pytest
import torch

from explainers.plugins import get_explainer
from explainers.plugins.layout import COLUMN_LABELS
from tests.fixtures.tiny_explainer_setup import blob_pool, logits_of, tiny_model


@pytest.fixture(scope="module")
def setup():
    model, data = tiny_model(), blob_pool()
    with torch.no_grad():
        logits = model.logit(data.pool().images.float() / 255).double().numpy()
    return model, data, logits


def render(setup, seed=0, **params):
    model, data, _ = setup
    return get_explainer("inn").render(model, data, rng=torch.Generator().manual_seed(seed),
                                       **params)


def test_rows_reach_the_column_centres_within_one_percent_of_the_range(setup):
    model, _, logits = setup
    stim = render(setup)
    assert (stim.rows, stim.cols) == (10, 5)
    assert stim.col_labels == list(COLUMN_LABELS)
    lo, hi = np.percentile(logits, [1, 99])
    centres = np.linspace(lo, hi, 6)[:-1] + (hi - lo) / 10
    shown = logits_of(model, [cell.image for _, _, cell in stim]).reshape(10, 5)
    np.testing.assert_allclose(shown, np.tile(centres, (10, 1)), atol=0.01 * (hi - lo))
    for r, c, cell in stim:
        assert cell.extra["target_logit"] == pytest.approx(centres[c], abs=1e-6)
        assert cell.logit == pytest.approx(shown[r, c], abs=1e-4)  # achieved, as recorded


def test_each_row_is_one_start_image_in_range(setup):
    _, data, logits = setup
    stim = render(setup, seed=3)
    lo, hi = stim.meta["logit_range"]
    for row in stim.cells:
        starts = {cell.extra["start_index"] for cell in row}
        assert len(starts) == 1
        start = starts.pop()
        assert lo <= logits[start] <= hi
        assert row[0].scene == data.pool().scene(start)
    assert len(set(stim.meta["start_indices"])) == 10
    # the images really change along the row
    row = stim.cells[0]
    assert np.abs(row[0].image.astype(int) - row[4].image.astype(int)).mean() > 1


def test_variants_use_other_start_images(setup):
    assert render(setup, seed=1).meta["start_indices"] != render(setup, seed=2).meta["start_indices"]


def test_rows_that_miss_a_target_are_replaced_by_other_start_images(setup):
    model, _, logits = setup
    stim = render(setup, refine_steps=0, max_error=0.01, max_starts=100)
    lo, hi = np.percentile(logits, [1, 99])
    centres = np.linspace(lo, hi, 6)[:-1] + (hi - lo) / 10
    shown = logits_of(model, [cell.image for _, _, cell in stim]).reshape(10, 5)
    assert np.abs(shown - centres).max() <= 0.01 * (hi - lo)
    # without corrections this tiny model misses often: rejected starts are counted
    assert stim.meta["starts_rejected"] > 0
    assert stim.meta["starts_tried"] >= 10 + stim.meta["starts_rejected"]
    assert stim.meta["largest_miss"] == pytest.approx(np.abs(shown - centres).max(), abs=1e-4)


def test_too_few_good_start_images_is_a_clear_error(setup):
    from explainers.plugins import StimulusError

    with pytest.raises(StimulusError, match=r"only \d+ of 12 start images give counterfactuals "
                                            r"within 0.01% of the logit range"):
        render(setup, refine_steps=0, max_error=1e-4, max_starts=12)


def test_rows_with_clamped_artefacts_are_replaced_and_counted(setup):
    model, data, _ = setup
    full = render(setup, seed=5, max_clipped=1.0)
    clean = render(setup, seed=5, max_clipped=0.0)
    assert full.meta["largest_clipped"] > 0 and full.meta["starts_clamped"] == 0
    assert clean.meta["starts_clamped"] > 0
    # every shown cell's clamped share is recorded and within the limit
    assert all(cell.extra["clipped"] <= 0.0 for _, _, cell in clean)
    assert clean.meta["largest_clipped"] == 0.0
    rejected = clean.meta["starts_missing_a_target"] + clean.meta["starts_clamped"]
    assert clean.meta["starts_rejected"] == rejected
    # recompute the clamped share of a shown cell independently from its start image
    cell = max((cell for _, _, cell in full), key=lambda c: c.extra["clipped"])
    assert cell.extra["clipped"] > 0
    x = data.pool().float_images([cell.extra["start_index"]], model.device)
    with torch.no_grad():
        enc = model.encode(x)
        raw = model.decode(enc.with_z(enc.z + cell.extra["alpha"] * model.w), clamp=False)
    share = float(((raw < 0) | (raw > 1)).float().mean())
    assert cell.extra["clipped"] == pytest.approx(share, abs=1e-6)


def test_batched_variants_equal_each_rendered_alone(setup):
    """render_many searches the rows of several variants together (a start image two variants
    share once): the same rows, cells within 0.1% of the logit range (float rounding of the
    batched convolutions aside) and the same counts as rendering each variant alone."""
    model, data, _ = setup
    inn = get_explainer("inn")
    seeds = [11, 12]
    together = inn.render_many(model, data, rngs=[torch.Generator().manual_seed(s) for s in seeds])
    for seed, batched in zip(seeds, together, strict=True):
        alone = render(setup, seed=seed)
        assert batched.meta["start_indices"] == alone.meta["start_indices"]
        assert batched.meta["starts_tried"] == alone.meta["starts_tried"]
        span = np.subtract(*alone.meta["logit_range"][::-1])
        for (_, _, b), (_, _, a) in zip(batched, alone, strict=True):
            assert b.logit == pytest.approx(a.logit, abs=1e-3 * span)
            assert b.extra["alpha"] == pytest.approx(a.extra["alpha"], rel=1e-2, abs=1e-4)
            assert np.abs(b.image.astype(int) - a.image.astype(int)).mean() < 0.5


def test_a_start_image_two_variants_share_is_searched_once(setup, monkeypatch):
    from explainers.plugins import counterfactuals

    searched = []

    def counting(model, x, target, **kwargs):
        searched.append(target.shape[0])
        return real(model, x, target, **kwargs)

    real = counterfactuals.counterfactual
    monkeypatch.setattr(counterfactuals, "counterfactual", counting)
    alone = render(setup, seed=4)
    once = sum(searched)
    searched.clear()
    model, data, _ = setup
    twice = get_explainer("inn").render_many(
        model, data, rngs=[torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)])
    assert sum(searched) == once == alone.meta["starts_tried"]
    assert twice[0].meta == twice[1].meta == alone.meta


def test_start_images_are_tried_one_per_missing_row(setup):
    """No start image beyond the rows still missing is searched: with every row good, exactly
    ``rows`` are tried."""
    stim = render(setup, seed=5, max_error=1.0, max_clipped=1.0)
    assert stim.meta["starts_tried"] == 10 and stim.meta["starts_rejected"] == 0


def test_cached_pool_encodings_equal_encoding_again(setup):
    model, data, _ = setup
    pool = data.pool()
    cached = pool.encodings(model, [3, 7])
    again = model.encode(pool.float_images([3, 7]))
    torch.testing.assert_close(cached.z, again.z)
    for a, b in zip(cached.faded, again.faded, strict=True):
        torch.testing.assert_close(a, b)


def test_threaded_cpu_search_equals_one_batched_search(setup, monkeypatch):
    """On the CPU the rows are searched in parts by Python threads with single-threaded kernels:
    the same rows, counts and cells (to the convolutions' float rounding) as one search of all
    rows in one batch, as before."""
    from explainers.plugins import counterfactuals

    model, data, _ = setup
    parts = []
    real = counterfactuals.map_on_cpu

    def counting(fn, items, workers=None):
        parts.append([len(item) for item in items])
        return real(fn, items, workers=workers)

    monkeypatch.setattr(counterfactuals, "map_on_cpu", counting)
    monkeypatch.setattr(counterfactuals, "ROWS_PER_PART", 3)
    threaded = render(setup, seed=21)
    assert parts and max(max(p) for p in parts) <= 3 and len(parts[0]) >= 4  # 10 rows in parts
    parts.clear()
    monkeypatch.setattr(counterfactuals, "ROWS_PER_PART", 10**6)
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        one_batch = render(setup, seed=21)  # one part: the single search of before
    finally:
        torch.set_num_threads(previous)
    assert not parts  # one thread, one part: a single search, not split
    assert threaded.meta["start_indices"] == one_batch.meta["start_indices"]
    assert threaded.meta["starts_tried"] == one_batch.meta["starts_tried"]
    span = np.subtract(*one_batch.meta["logit_range"][::-1])
    for (_, _, t), (_, _, o) in zip(threaded, one_batch, strict=True):
        assert t.logit == pytest.approx(o.logit, abs=1e-3 * span)
        assert t.extra["alpha"] == pytest.approx(o.extra["alpha"], rel=1e-2, abs=1e-4)
        assert np.abs(t.image.astype(int) - o.image.astype(int)).mean() < 0.5


def test_map_on_cpu_keeps_order_and_restores_the_thread_count():
    from explainers.models.cpu_threads import map_on_cpu

    previous = torch.get_num_threads()
    seen = []

    def work(n):
        seen.append((torch.get_num_threads(), torch.is_grad_enabled()))
        return torch.full((n,), float(n)) * 2

    out = map_on_cpu(work, [1, 2, 3, 4], workers=2)
    assert [o.tolist() for o in out] == [[2.0], [4.0, 4.0], [6.0] * 3, [8.0] * 4]
    assert set(seen) == {(1, False)}
    assert torch.get_num_threads() == previous


@pytest.mark.parametrize("workers", [1, 2])
def test_imap_on_cpu_yields_in_order_and_a_closed_one_restores_threads_and_drops_the_rest(workers):
    import threading

    from explainers.models.cpu_threads import imap_on_cpu

    previous = torch.get_num_threads()
    started, gate = [], threading.Event()

    def work(n):
        started.append(n)
        if n > 2:
            gate.wait(5)
        return n * 10

    results = imap_on_cpu(work, list(range(40)), workers=workers)
    assert [next(results), next(results)] == [0, 10]
    assert torch.get_num_threads() == 1  # while it runs
    threading.Timer(0.2, gate.set).start()  # the parts running finish after the close began
    results.close()
    assert torch.get_num_threads() == previous
    assert len(started) < 40  # the parts not yet started were dropped
    assert list(imap_on_cpu(work, [5, 1, 3], workers=workers)) == [50, 10, 30]
    assert torch.get_num_threads() == previous
