"""benchmarks/render.py runs from a plain checkout: it registers the declared explainers itself."""

import tomllib

import pytest

from explainers.plugins import get_explainer, registry
from tests.scripts import load_benchmark


@pytest.fixture
def bench():
    return load_benchmark("render")


def test_without_installed_entry_points_the_declared_explainers_are_registered(bench, monkeypatch):
    monkeypatch.setattr(registry, "_entry_points", lambda: {})
    monkeypatch.setattr(registry, "_local", {})
    assert registry.available() == {}
    declared = tomllib.loads((bench.REPO / "pyproject.toml").read_text())["project"][
        "entry-points"][registry.GROUP]
    assert {"baseline", "concepts", "inn"} <= set(declared)
    assert bench.ensure_builtin_explainers() == sorted(declared)
    assert get_explainer("inn").version == "4" and get_explainer("concepts").name == "concepts"
    assert bench.ensure_builtin_explainers() == []  # nothing left to register


def test_installed_entry_points_are_left_alone(bench, monkeypatch):
    monkeypatch.setattr(registry, "_local", {})
    assert bench.ensure_builtin_explainers() == []
    assert registry._local == {}


def test_variants_rendered_together_publish_what_each_render_would(bench, tmp_path):
    from explainers.prerender import render_stimulus
    from tests.fixtures.tiny_explainer_setup import blob_pool, tiny_model

    model, data = tiny_model(), blob_pool()
    together = bench.render_together("inn", {}, model, data, [1, 2], tmp_path / "together")
    for seed, manifest in zip([1, 2], together, strict=True):
        alone = render_stimulus("inn", {}, model=model, data=data, seed=seed,
                                root=tmp_path / "alone")
        assert manifest["key"] == alone["key"] and manifest["version"] == alone["version"] == "4"
        assert [c["extra"]["start_index"] for c in manifest["cells"]] == [
            c["extra"]["start_index"] for c in alone["cells"]]
        assert [c["logit"] for c in manifest["cells"]] == pytest.approx(
            [c["logit"] for c in alone["cells"]], abs=1e-3)


def test_interleaved_renders_variant_by_variant_and_times_each(bench, tmp_path, capsys):
    import argparse
    import statistics

    from explainers.prerender import render_stimulus, variant_seed
    from tests.fixtures.tiny_explainer_setup import blob_pool, tiny_model

    model, data = tiny_model(), blob_pool()
    spec = {"seed": 4, "conditions": [{"name": "b", "explainer": "baseline"},
                                      {"name": "cf", "explainer": "inn"}]}
    figures = {"conditions": {}}
    args = argparse.Namespace(variants=2, device="cpu")
    assert bench.interleaved(spec, args, model, data, tmp_path / "s", figures) is False
    order = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()
             if line.startswith("variant")]
    assert order == ["variant 0 b", "variant 0 cf", "variant 1 b", "variant 1 cf"]
    for name, explainer in (("b", "baseline"), ("cf", "inn")):
        found = figures["conditions"][name]
        assert len(found["variant_seconds"]) == 2
        assert found["median_s"] == pytest.approx(statistics.median(found["variant_seconds"]),
                                                  abs=1e-3)
        assert found["keys"] == [render_stimulus(explainer, {}, model=model, data=data,
                                                 seed=variant_seed(4, v),
                                                 root=tmp_path / "alone")["key"]
                                 for v in range(2)]
    assert set(figures["loadavg"]) == {"before", "after"}
