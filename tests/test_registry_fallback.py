"""A checkout that is not installed (no entry points) still finds the shipped model plugins and
image sources, from built-in tables that equal pyproject.toml's entry points."""

import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from explainers.image_sources import registry as image_registry
from explainers.models import model_registry
from tests.fixtures.tiny_models import tiny_cnn_bundle

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_the_built_in_tables_are_pyprojects_entry_points():
    points = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]
    assert points["xai_studies.models"] == model_registry.BUILT_IN
    assert points["xai_studies.image_sources"] == image_registry.BUILT_IN


def test_without_entry_points_the_shipped_models_load_and_others_are_explained(
        tmp_path, monkeypatch):
    folder, digest = tiny_cnn_bundle(tmp_path / "cnn")
    monkeypatch.setattr(model_registry, "entry_points", lambda group: [])
    assert model_registry.available() == model_registry.BUILT_IN
    assert model_registry.describe_bundle(folder).bundle_hash == digest
    assert model_registry.load_model(folder).bundle_hash == digest
    with pytest.raises(model_registry.UnknownModelPlugin,
                       match="'keras'.*this checkout is not installed"):
        model_registry.get_model_plugin("keras")
    out = StringIO()
    call_command("list_models", str(folder), stdout=out)
    assert "not installed" in out.getvalue() and "torchscript" in out.getvalue()
