"""benchmarks/render.py runs from a plain checkout: it registers the declared explainers itself."""

import importlib.util
from pathlib import Path

import pytest

from explainers.plugins import get_explainer, registry

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "render.py"


@pytest.fixture
def bench():
    spec = importlib.util.spec_from_file_location("bench_render", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_installed_entry_points_the_declared_explainers_are_registered(bench, monkeypatch):
    monkeypatch.setattr(registry, "_entry_points", lambda: {})
    monkeypatch.setattr(registry, "_local", {})
    assert registry.available() == {}
    assert bench.ensure_builtin_explainers() == ["baseline", "concepts", "inn"]
    assert get_explainer("inn").version == "2" and get_explainer("concepts").name == "concepts"
    assert bench.ensure_builtin_explainers() == []  # nothing left to register


def test_installed_entry_points_are_left_alone(bench, monkeypatch):
    monkeypatch.setattr(registry, "_local", {})
    assert bench.ensure_builtin_explainers() == []
    assert registry._local == {}
