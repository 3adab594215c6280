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
    assert get_explainer("inn").version == "3" and get_explainer("concepts").name == "concepts"
    assert bench.ensure_builtin_explainers() == []  # nothing left to register


def test_installed_entry_points_are_left_alone(bench, monkeypatch):
    monkeypatch.setattr(registry, "_local", {})
    assert bench.ensure_builtin_explainers() == []
    assert registry._local == {}
