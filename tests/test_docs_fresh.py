"""The generated pictures and reports in docs/ are what bin/regenerate-docs makes from the
current code and configuration (docs/stamps.json, tests/docs_stamps.py; nothing is rendered)."""

import json

import pytest

from tests import docs_stamps


@pytest.mark.parametrize("target", sorted(docs_stamps.TARGETS))
def test_generated_docs_are_fresh(target):
    found = docs_stamps.differences(target)
    assert not found, (f"docs for {target!r} are stale; run `bin/regenerate-docs {target}` and "
                       "commit the result (after remaking them with that recipe by hand: "
                       f"`python -m tests.docs_stamps --write {target}`):\n  "
                       + "\n  ".join(found))


def test_the_explainer_pictures_are_the_stimuli_study2_would_serve():
    keys = docs_stamps.current("explainers")["inputs"]
    assert set(keys) == {"baseline/0", "inn/0", "concepts/0"}
    for name, key in keys.items():
        manifest = json.loads((docs_stamps.REPO / "docs" / "explainers" /
                               f"{name.split('/')[0]}.manifest.json").read_text())
        assert manifest["key"] == key


def test_the_cnn_pictures_are_the_stimuli_the_cnn_study_would_serve():
    """docs/explainers/cnn/ (the CNN study's conditions, saliency and concepts) and the stimuli
    docs/screens/cnn-attributions/ shows are the ones planned now."""
    keys = docs_stamps.current("explainers-cnn")["inputs"]
    assert set(keys) == {"baseline/0", "gradcam/0", "integrated_gradients/0", "saliency/0",
                         "concepts/0"}
    for name, key in keys.items():
        manifest = json.loads((docs_stamps.REPO / "docs" / "explainers" / "cnn" /
                               f"{name.split('/')[0]}.manifest.json").read_text())
        assert manifest["key"] == key
    screens = docs_stamps.current("screens-cnn")["inputs"]
    assert {k: v for k, v in screens.items() if "/" in k and not k.endswith((".py", ".yaml"))} \
        == {k: keys[k] for k in ("baseline/0", "gradcam/0", "integrated_gradients/0")}


def test_a_changed_input_or_output_is_named(tmp_path, monkeypatch):
    stamps = tmp_path / "stamps.json"
    monkeypatch.setattr(docs_stamps, "STAMPS", stamps)
    monkeypatch.setitem(docs_stamps.TARGETS, "toy", {
        "inputs": lambda: {"recipe": (tmp_path / "recipe").read_text()},
        "outputs": ()})
    (tmp_path / "recipe").write_text("v1")
    docs_stamps.write(["toy"])
    assert docs_stamps.differences("toy") == []
    (tmp_path / "recipe").write_text("v2")
    assert docs_stamps.differences("toy") == ["inputs recipe: changed"]
    assert docs_stamps.differences("generator") == ["generator has no stamp in docs/stamps.json"]
