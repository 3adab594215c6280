"""docs/bring-your-own-model.md: its Python blocks run as written (a tiny TorchScript model,
a folder of generated images with a labels.csv), its spec snippet plans the very stimulus the
document rendered, and its trial block draws 2AFC trials whose answers are the CSV's."""

import re
import textwrap
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from explainers.plan import plan
from explainers.prerender import variant_seed

DOC = Path(__file__).resolve().parent.parent / "docs" / "bring-your-own-model.md"


def blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), re.S | re.M)


def generated_images(folder: Path, n: int = 240) -> None:
    """Coloured discs on coloured backgrounds (random sizes, 72x64: centre-cropped), labelled
    cat/dog at random, with a text attribute, as the document's labels.csv describes."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:64, 0:72]
    rows = ["image,label,background"]
    for i in range(n):
        cx, cy, r = rng.uniform(20, 52), rng.uniform(16, 48), rng.uniform(6, 24)
        px = np.empty((64, 72, 3), np.uint8)
        px[:] = rng.integers(0, 256, 3)
        px[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.integers(0, 256, 3)
        Image.fromarray(px).save(folder / f"img-{i:04d}.png")
        rows.append(f"img-{i:04d}.png,{rng.choice(['cat', 'dog'])},"
                    f"{rng.choice(['indoor', 'outdoor'])}")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n")


def spec_text(slug: str, model_line: str, folder: Path, step: str) -> str:
    """A one-condition study around the document's ``step`` on the image ``folder``;
    ``model_line`` names the classes (``class_names: [...]``) or the model (``checkpoint: ...``)."""
    return textwrap.dedent(f"""\
        slug: {slug}
        title: "Photos"
        seed: 3
        design: within
        {model_line}
        images: {{source: image_folder, folder: {folder}, labels: {folder / 'labels.csv'}}}
        prolific:
          codes: {{completion: CBYOMOK, screened_out: CBYOMSO, no_consent: CBYOMNC}}
        payment: {{base: 1.00}}
        conditions:
          - {{name: photos, explainer: none, target: 10}}
        steps:
          - {{id: consent, type: consent, text: "Agree?"}}
        """) + step + "  - {id: completion, type: completion}\n"


def test_document_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.setenv("BUNDLE", str(tmp_path / "my-model"))
    monkeypatch.setenv("STIMULI_ROOT", str(tmp_path / "stimuli"))
    monkeypatch.setenv("IMAGES", str(tmp_path / "my-images"))
    generated_images(tmp_path / "my-images")
    (header,) = blocks("csv")
    assert header.splitlines()[0] == (tmp_path / "my-images" / "labels.csv").read_text(
        ).splitlines()[0]
    code = blocks("python")
    assert len(code) == 3
    ns = {"__name__": "byom"}
    for block in code:
        exec(compile(block, str(DOC), "exec"), ns)  # noqa: S102 - our own docs
    info, manifest = ns["info"], ns["manifest"]
    assert info.plugin == "torchscript" and not info.offers("layers")
    assert ns["refused"][0][0] == "explainer" and "conv_layers" in ns["refused"][0][1]
    assert (manifest["explainer"], manifest["rows"], manifest["cols"]) == (
        "integrated_gradients", 4, 5)
    assert manifest["checkpoint_hash"] == info.bundle_hash
    assert manifest["dataset_hash"] == ns["data"].hash
    assert {c["scene"]["background"] for c in manifest["cells"]} <= {"indoor", "outdoor"}
    snippet, _, _ = blocks("yaml")
    spec = yaml.safe_load(snippet)
    ig = [c for c in spec["conditions"] if c["name"] == "ig"]
    jobs = plan(ig, study_seed=7, checkpoint=tmp_path / spec["checkpoint"],
                images=spec["images"], base=tmp_path)
    assert [j.variant for j in jobs] == [0] and jobs[0].seed == variant_seed(7, 0)
    assert jobs[0].key == manifest["key"]


def test_documents_trial_block_draws_its_answers_from_the_csv(tmp_path):
    import csv

    from studies.condition_check import check_conditions
    from studies.folder_trials import draw
    from studies.spec import parse_spec
    from studies.trial_lists import trials_of

    folder = tmp_path / "my-images"
    generated_images(folder)
    _, step, _ = blocks("yaml")
    text = spec_text("byom-trials", "class_names: [cat, dog]", folder, step)
    spec = parse_spec(text)
    check_conditions(spec, text)  # what load_study checks: column, value, images per side
    block = spec.steps[spec.index_of("trials")]
    rows = draw(spec, block).inputs["rows"]
    with (folder / "labels.csv").open(newline="") as fh:
        background = {r["image"]: r["background"] for r in csv.DictReader(fh)}
    assert {background[n] for n in rows[1]} == {"outdoor"}
    assert {background[n] for n in rows[0]} == {"indoor"}
    trials = trials_of(spec, block)
    assert [t.kind for t in trials].count("main") == 6 and len(trials) == 9
    for t in trials:
        right, other = t.options[t.answer], t.options[1 - t.answer]
        assert background[rows[right.row][right.col]] == "outdoor"
        assert background[rows[other.row][other.col]] == "indoor"


def test_documents_prediction_step_keys_are_the_models_outputs(tmp_path, monkeypatch, settings):
    """The document's image_choice step (key: model) on its TorchScript model: rendered, each
    image's key is the sign of the model's logit computed here on the image as it sees it."""
    import torch

    from explainers.image_sources import image_source
    from explainers.models.model_registry import load_model
    from explainers.render_kinds import get_kind
    from studies.condition_check import check_conditions
    from studies.image_choice import draw
    from studies.spec import parse_spec

    settings.IMAGE_FOLDER_RECHECK_S = 0
    monkeypatch.setenv("BUNDLE", str(tmp_path / "my-model"))
    exec(compile(blocks("python")[0], str(DOC), "exec"), {"__name__": "byom"})  # noqa: S102
    folder = tmp_path / "my-images"
    generated_images(folder)
    *_, step = blocks("yaml")
    text = spec_text("byom-predict", f"checkpoint: {tmp_path / 'my-model'}", folder, step)
    spec = parse_spec(text)
    check_conditions(spec, text)
    found = draw(spec, spec.steps[spec.index_of("predict")])
    manifest = get_kind("folder_images").render(found.inputs, root=tmp_path / "stimuli")
    model = load_model(tmp_path / "my-model")
    source = image_source({**found.inputs["images"], "size": 64})
    index = {n: i for i, n in enumerate(source.ids)}
    with torch.no_grad():
        logits = model.logit(source.images([index[n] for n in found.images])).numpy()
    said = {n: ("dog" if v > 0 else "cat") for n, v in zip(found.images, logits, strict=True)}
    cells = sorted(manifest["cells"], key=lambda c: c["col"])
    assert [c["scene"]["image"] for c in cells] == list(found.images)
    assert [c["scene"]["model"] for c in cells] == [said[n] for n in found.images]
