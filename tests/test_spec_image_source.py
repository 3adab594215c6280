"""A spec's ``images`` and ``class_names``: checked at load_study with key and line (CSV rows
by number), and the study's stimulus keys follow them."""

import pytest

from studies.loading import load_study
from studies.spec import load_spec_file
from studies.spec.errors import SpecError
from studies.stimuli import stimulus_keys
from tests.bots import write_study
from tests.fixtures.tiny_models import tiny_cnn_bundle
from tests.test_image_sources import image_folder

BASELINE = "  - {name: a, explainer: baseline, target: 2, params: {rows: 2}}\n"


def study(tmp_path, settings, extra: str, conditions=BASELINE):
    folder, _ = tiny_cnn_bundle(tmp_path / "cnn")
    path = write_study(tmp_path, settings, conditions=conditions, checkpoint=str(folder),
                       publish=False)
    path.write_text(path.read_text() + extra)
    return path


def problems(path) -> dict[str, tuple[int, str]]:
    with pytest.raises(SpecError) as exc:
        load_study(path)
    lines = path.read_text().splitlines()
    return {key: (lines[line - 1], message) for key, line, message in exc.value.problems}


@pytest.mark.django_db
def test_a_bad_image_source_is_refused_with_key_and_line(tmp_path, settings):
    pets = image_folder(tmp_path, n=4)
    found = problems(study(tmp_path, settings, "images:\n  source: image_folder\n"
                           f"  folder: {tmp_path / 'nowhere'}\n  labels: {pets}/labels.csv\n"))
    line, message = found["images.folder"]
    assert "folder:" in line and "does not exist" in message
    found = problems(study(tmp_path, settings, "images:\n  source: image_folder\n"
                           f"  folder: {pets}\n  lables: x.csv\n"))
    line, message = found["images.lables"]
    assert "lables: x.csv" in line and "has no option 'lables'" in message
    (pets / "labels.csv").write_text("image,label\nim00.png,cat\nim01.png,horse\n")
    found = problems(study(tmp_path, settings, "class_names: [cat, dog]\nimages:\n"
                           f"  source: image_folder\n  folder: {pets}\n"
                           f"  labels: {pets}/labels.csv\n"))
    line, message = found["images.labels"]
    assert "labels:" in line and "row 3: label 'horse'" in message
    found = problems(study(tmp_path, settings, "class_names: [cat]\n"))
    assert "must be two different names" in found["class_names"][1]


@pytest.mark.django_db
def test_a_generator_explainer_is_refused_on_an_image_folder(tmp_path, settings):
    pets = image_folder(tmp_path, n=4)
    found = problems(study(tmp_path, settings,
                           f"images: {{source: image_folder, folder: {pets}}}\n",
                           conditions="  - {name: a, explainer: property_gradients, target: 2}\n"))
    line, message = found["conditions[0].explainer"]
    assert "needs a parametric image generator" in message and "property_gradients" in line


@pytest.mark.django_db
def test_the_studys_keys_follow_its_images_and_class_names(tmp_path, settings):
    image_folder(tmp_path, n=40)
    settings.BASE_DIR = tmp_path
    images = "images: {source: image_folder, folder: pets, labels: pets/labels.csv}\n"
    spec_a = load_spec_file(study(tmp_path, settings, "class_names: [cat, dog]\n" + images))
    assert spec_a.images["folder"] == "pets" and spec_a.class_names == ["cat", "dog"]
    keys_a = stimulus_keys(spec_a)
    spec_b = load_spec_file(study(tmp_path, settings, "class_names: [cat, dog]\n"
                                  + images.replace("}", ", classes: [cat, dog]}")))
    assert stimulus_keys(spec_b) == keys_a  # the same images and names
    spec_c = load_spec_file(study(tmp_path, settings,
                                  images.replace("}", ", classes: [cat, dog]}")))
    assert stimulus_keys(spec_c) != keys_a  # the model's names (Peeky, Stretchy) on the grid
