"""load_study refuses a condition that cannot work, with the key and line of the fault."""

import pytest

from studies.loading import load_study
from studies.models import Study
from studies.spec.errors import SpecError
from tests.bots import write_study
from tests.fixtures.tiny_models import tiny_cnn_bundle, tiny_torchscript_bundle

BAD = (
    "  - {name: a, explainer: inn, target: 2}\n"
    "  - {name: b, explainer: nope, target: 2}\n"
    "  - {name: c, explainer: baseline, target: 2, params: {rows: 2, colour: red}}\n"
    "  - {name: d, explainer: baseline, target: 2,\n"
    "     params: {rows: two}}\n"
    "  - {name: e, explainer: concepts, target: 2, params: {layer: layer9}}\n"
)


def problems_of(exc) -> dict[str, tuple[int, str]]:
    return {path: (line, message) for path, line, message in exc.value.problems}


@pytest.mark.django_db
def test_mismatched_conditions_are_refused_with_key_and_line(tmp_path, settings):
    folder, _ = tiny_cnn_bundle(tmp_path / "cnn")
    path = write_study(tmp_path, settings, conditions=BAD, checkpoint=str(folder), publish=False)
    lines = path.read_text().splitlines()
    with pytest.raises(SpecError) as exc:
        load_study(path)
    found = problems_of(exc)
    assert set(found) == {"conditions[0].explainer", "conditions[1].explainer",
                          "conditions[2].params.colour", "conditions[3].params.rows",
                          "conditions[4].params.layer"}
    line, message = found["conditions[0].explainer"]
    assert "needs an invertible model" in message and "cnn" in message
    assert "name: a, explainer: inn" in lines[line - 1]
    assert "unknown explainer 'nope'" in found["conditions[1].explainer"][1]
    line, message = found["conditions[2].params.colour"]
    assert "no parameter 'colour'" in message and "colour: red" in lines[line - 1]
    line, message = found["conditions[3].params.rows"]
    assert "must be an integer" in message and "params: {rows: two}" in lines[line - 1]
    assert "no layer 'layer9'; its layers: stem, layer1" in found["conditions[4].params.layer"][1]
    assert not Study.objects.exists()


@pytest.mark.django_db
def test_a_model_without_layers_is_refused_for_concepts(tmp_path, settings):
    folder = tiny_torchscript_bundle(tmp_path / "ts")
    path = write_study(tmp_path, settings, checkpoint=str(folder), publish=False,
                       conditions="  - {name: a, explainer: concepts, target: 2}\n")
    with pytest.raises(SpecError) as exc:
        load_study(path)
    assert "needs named layers' activations (layers); the model (torchscript" in str(exc.value)


@pytest.mark.django_db
def test_gradcam_on_a_model_without_conv_layers_is_refused_with_key_and_line(tmp_path, settings):
    """The issue's mismatched condition: Grad-CAM (and concepts) on a TorchScript model, whose
    layers are hidden from hooks, beside saliency and Integrated Gradients, which it can run."""
    folder = tiny_torchscript_bundle(tmp_path / "ts")
    conditions = ("  - {name: s, explainer: saliency, target: 2}\n"
                  "  - {name: g, explainer: gradcam, target: 2}\n"
                  "  - {name: ig, explainer: integrated_gradients, target: 2,"
                  " params: {n_steps: 8}}\n")
    path = write_study(tmp_path, settings, checkpoint=str(folder), publish=False,
                       conditions=conditions)
    with pytest.raises(SpecError) as exc:
        load_study(path)
    found = problems_of(exc)
    assert set(found) == {"conditions[1].explainer"}, found
    line, message = found["conditions[1].explainer"]
    assert "explainer 'gradcam' needs named convolutional layers" in message, message
    assert "torchscript" in message
    assert "name: g, explainer: gradcam" in path.read_text().splitlines()[line - 1]
    assert not Study.objects.exists()
    path.write_text(path.read_text().replace("  - {name: g, explainer: gradcam, target: 2}\n",
                                             ""))
    study, _ = load_study(path)
    assert sorted(study.conditions.values_list("name", flat=True)) == ["ig", "s"]


@pytest.mark.django_db
def test_a_folder_that_is_no_bundle_is_refused_at_checkpoint(tmp_path, settings):
    path = write_study(tmp_path, settings, checkpoint=str(tmp_path), publish=False,
                       conditions="  - {name: a, explainer: baseline, target: 2}\n")
    with pytest.raises(SpecError) as exc:
        load_study(path)
    [(key, line, message)] = exc.value.problems
    assert key == "checkpoint" and line > 0 and "no model.json" in message


@pytest.mark.django_db
def test_a_matching_condition_loads(tmp_path, settings):
    folder, _ = tiny_cnn_bundle(tmp_path / "cnn")
    path = write_study(tmp_path, settings, checkpoint=str(folder), publish=False,
                       conditions="  - {name: a, explainer: concepts, target: 2,"
                                  " params: {layer: layer2}}\n")
    study, created = load_study(path)
    assert created and study.conditions.get().params == {"layer": "layer2"}


@pytest.mark.django_db
def test_an_unknown_explainer_is_refused_even_where_no_step_shows_it(tmp_path):
    """A 2AFC study shows no condition's explanation, so nothing is rendered for it; the
    explainer it names must still exist, or be `none`."""
    from pathlib import Path

    spec = (Path(__file__).parent.parent / "studies/specs/two-afc-example.yaml").read_text()
    assert "{name: images, explainer: none, target: 20}" in spec
    path = tmp_path / "typo.yaml"
    path.write_text(spec.replace("explainer: none", "explainer: nnoe"))
    with pytest.raises(SpecError) as exc:
        load_study(path)
    ((key, (line, message)),) = problems_of(exc).items()
    assert key == "conditions[0].explainer" and "unknown explainer 'nnoe'" in message
    assert "or 'none' for a condition that shows no explanation" in message
    assert "explainer: nnoe" in path.read_text().splitlines()[line - 1]
    path.write_text(spec.replace("explainer: none", "explainer: baseline"))
    assert load_study(path)[0].slug == "two-afc-example"  # registered: loads, renders nothing
