"""Image sources are plugins (explainers.image_sources): the Two4Two generator and an image
folder with a CSV of labels and attributes; bad options, files and rows are refused with the
key (and the CSV's row number); the render plan draws from the spec's source."""

import numpy as np
import pytest
import torch
from PIL import Image

from explainers.image_sources import ImageSourceError, available, image_source, registry
from explainers.image_sources.image_folder import ImageFolder
from explainers.plan import plan, run_job
from explainers.prerender import load_manifest
from explainers.validation_data import ValidationData
from tests.fixtures.tiny_models import tiny_cnn_bundle


def image_folder(root, n=12, size=40):
    """``n`` PNGs (a red or blue square on grey) and labels.csv with names and attributes."""
    folder = root / "pets"
    folder.mkdir(parents=True)
    rows = ["image,label,colour,size_px"]
    rng = np.random.default_rng(0)
    for i in range(n):
        px = np.full((size, size + 8, 3), 128, np.uint8)  # not square: centre-cropped
        side = int(rng.integers(8, 30))
        px[4:4 + side, 8:8 + side] = (220, 30, 30) if i % 2 else (30, 30, 220)
        Image.fromarray(px).save(folder / f"im{i:02d}.png")
        rows.append(f"im{i:02d}.png,{'dog' if i % 2 else 'cat'},{'red' if i % 2 else 'blue'},"
                    f"{side}")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_both_shipped_sources_are_installed_and_found_without_entry_points(monkeypatch):
    assert set(available()) == {"two4two", "image_folder"}
    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    assert available() == registry.BUILT_IN
    assert image_source({"source": "two4two", "n": 5}).settings["n"] == 5
    with pytest.raises(ImageSourceError, match="unknown image source 'web'") as exc:
        image_source({"source": "web"})
    assert exc.value.key == "source"


def test_two4two_keeps_the_validation_pools_hash_and_refuses_bad_options():
    source = image_source({"source": "two4two", "n": 300}, size=32)
    assert source.hash == ValidationData(n=300, size=32).hash
    assert source.offers == {"generator"} and source.to_dict()["source"] == "two4two"
    for options, key, text in [({"colour": 1}, "colour", "has no option 'colour'"),
                               ({"n": "ten"}, "n", "must be int"),
                               ({"n": 0}, "n", "at least 1"),
                               ({"sampler": "nope"}, "sampler", "unknown sampler")]:
        with pytest.raises(ImageSourceError, match=text) as exc:
            image_source({"source": "two4two", **options})
        assert exc.value.key == key
    with pytest.raises(ImageSourceError, match="differs from the model's input size 32"):
        image_source({"source": "two4two", "size": 64}, size=32)


def test_an_image_folder_with_labels_and_attributes(tmp_path):
    folder = image_folder(tmp_path)
    source = image_source({"source": "image_folder", "folder": "pets",
                           "labels": "pets/labels.csv"}, size=16, base=tmp_path,
                          class_names=("cat", "dog"))
    pool = source.pool()
    assert tuple(pool.images.shape) == (12, 3, 16, 16) and pool.images.dtype == torch.uint8
    assert list(pool.labels) == [0, 1] * 6
    assert pool.scene(1) == {"image": "im01.png", "label": 1.0, "colour": "red",
                             "size_px": pool.scene(1)["size_px"]}
    red = pool.float_images([1])[0]
    assert red[0].max() > 0.8 and red[2].min() < 0.3  # the red square, resized
    assert source.ids[0] == "im00.png" and source.images([0]).shape == (1, 3, 16, 16)
    first = source.hash
    moved = tmp_path / "elsewhere"
    folder.rename(moved)
    again = ImageFolder(folder=str(moved), labels=str(moved / "labels.csv"), size=16,
                        classes=["cat", "dog"])
    assert again.hash == first  # content, not location
    relabelled = (moved / "labels.csv").read_text().replace("im03.png,dog", "im03.png,cat")
    (moved / "labels.csv").write_text(relabelled)
    assert ImageFolder(folder=str(moved), labels=str(moved / "labels.csv"), size=16,
                       classes=["cat", "dog"]).hash != first


def test_bad_folders_files_and_rows_are_refused_with_key_and_row(tmp_path):
    folder = image_folder(tmp_path)
    opts = {"source": "image_folder", "folder": str(folder), "labels": str(folder / "labels.csv"),
            "classes": ["cat", "dog"]}
    with pytest.raises(ImageSourceError, match="does not exist") as exc:
        image_source({**opts, "folder": str(tmp_path / "nowhere")})
    assert exc.value.key == "folder"
    with pytest.raises(ImageSourceError, match="labels file .* does not exist") as exc:
        image_source({**opts, "labels": str(tmp_path / "nope.csv")})
    assert exc.value.key == "labels"
    with pytest.raises(ImageSourceError, match="has no option 'label'") as exc:
        image_source({**opts, "label": "x"})
    lines = (folder / "labels.csv").read_text().splitlines()
    lines[2] = "im01.png,horse,red,3"      # row 3
    lines[4] = "missing.png,cat,blue,3"    # row 5
    lines[5] = "im00.png,cat,blue,3"       # row 6: im00 is in row 2
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ImageSourceError) as exc:
        image_source(opts)
    text = str(exc.value)
    assert exc.value.key == "labels"
    assert "row 3: label 'horse' is none of" in text
    assert "row 5: image 'missing.png' is not a file" in text
    assert "row 6: image 'im00.png' is already in row 2" in text
    (folder / "labels.csv").write_text("file,label\nim00.png,cat\n")
    with pytest.raises(ImageSourceError, match="no column 'image' \\(row 1 has: file, label\\)"):
        image_source(opts)


def test_the_plan_renders_from_the_specs_image_folder_with_its_class_names(tmp_path):
    image_folder(tmp_path, n=60)
    bundle, _ = tiny_cnn_bundle(tmp_path / "cnn")
    images = {"source": "image_folder", "folder": "pets", "labels": "pets/labels.csv"}
    conditions = [{"name": "b", "explainer": "baseline", "target": 2, "variants": [0],
                   "params": {"rows": 2}}]
    (job,) = plan(conditions, study_seed=1, checkpoint=bundle, images=images,
                  class_names=["cat", "dog"], base=tmp_path)
    assert job.data["source"] == "image_folder" and job.class_names == ("cat", "dog")
    (own,) = plan(conditions, study_seed=1, checkpoint=bundle, images=images,
                  class_names=["cat", "dog"], base=tmp_path)
    (other,) = plan(conditions, study_seed=1, checkpoint=bundle,
                    images={**images, "classes": ["cat", "dog"]},  # the CSV's names
                    class_names=["kitten", "puppy"], base=tmp_path)
    assert other.data == job.data
    assert own.key == job.key != other.key
    manifest = run_job(job.to_dict(), root=tmp_path / "stimuli")
    assert manifest["key"] == job.key
    found = load_manifest(tmp_path / "stimuli", job.key)
    assert found["col_labels"][0] == "very certain cat" and found["col_labels"][-1] == \
        "very certain dog"
    assert {c["scene"]["colour"] for c in found["cells"]} <= {"red", "blue"}


def test_list_image_sources_command_lists_both_with_their_options():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("list_image_sources", stdout=out)
    text = out.getvalue()
    assert "image_folder" in text and "two4two" in text and "offers: generator" in text
    assert "folder: str, required" in text and "seed: int, default 90001" in text
    assert "no entry points found" not in text


def test_concepts_render_on_any_cnn_from_an_image_folder(tmp_path):
    """The concepts explainer on a CNN bundle that is not the INN, from an image folder: every
    cell is an image of the folder (its CSV row in the cell) and the columns are the model's."""
    image_folder(tmp_path, n=60)
    bundle, _ = tiny_cnn_bundle(tmp_path / "cnn")
    images = {"source": "image_folder", "folder": "pets", "labels": "pets/labels.csv"}
    conditions = [{"name": "c", "explainer": "concepts", "target": 2, "variants": [0],
                   "params": {"layer": "layer3", "components": 4, "keep": 2, "exemplars": 2,
                              "images": 60}}]
    (job,) = plan(conditions, study_seed=1, checkpoint=bundle, images=images,
                  class_names=["cat", "dog"], base=tmp_path)
    manifest = run_job(job.to_dict(), root=tmp_path / "stimuli")
    assert manifest["key"] == job.key and manifest["explainer"] == "concepts"
    found = load_manifest(tmp_path / "stimuli", job.key)
    names = {f"im{i:02d}.png" for i in range(60)}
    assert found["cells"] and {c["scene"]["image"] for c in found["cells"]} <= names
    assert {c["scene"]["colour"] for c in found["cells"]} <= {"red", "blue"}
