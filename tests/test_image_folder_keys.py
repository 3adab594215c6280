"""The stimulus keys planned on an image folder follow its files: a changed image or CSV row
gives new keys at the next request of the same server process (no restart), though the keys are
cached (studies.stimuli.images_stamp, which lists the folder at most every
IMAGE_FOLDER_RECHECK_S seconds)."""

import textwrap

import numpy as np
from PIL import Image

from studies.spec import load_spec_file
from studies.stimuli import stimulus_keys
from tests.fixtures.tiny_models import tiny_cnn_bundle
from tests.test_image_sources import image_folder


def test_a_changed_image_or_csv_changes_the_planned_explanation_keys(tmp_path, settings):
    settings.IMAGE_FOLDER_RECHECK_S = 0
    folder = image_folder(tmp_path)
    bundle, _ = tiny_cnn_bundle(tmp_path / "cnn")
    path = tmp_path / "keys.yaml"
    path.write_text(textwrap.dedent(f"""\
        slug: folder-keys
        title: "Keys"
        seed: 5
        design: within
        checkpoint: {bundle}
        class_names: [cat, dog]
        images: {{source: image_folder, folder: {folder}, labels: {folder / 'labels.csv'}}}
        prolific:
          codes: {{completion: CKEYSOK, screened_out: CKEYSSO, no_consent: CKEYSNC}}
        payment: {{base: 1.00}}
        conditions:
          - {{name: b, explainer: baseline, target: 10, variants: [0], params: {{rows: 2}}}}
        steps:
          - {{id: consent, type: consent, text: "Agree?"}}
          - id: trials
            type: trial_block
            question: "Which one?"
            trials:
              - options: [{{stimulus: {{condition: b, row: 0, col: 0}}}},
                          {{stimulus: {{condition: b, row: 1, col: 0}}}}]
                answer: 0
          - id: completion
            type: completion
        """))
    spec = load_spec_file(path)
    first = stimulus_keys(spec)[("b", 0)]
    assert stimulus_keys(spec)[("b", 0)] == first  # cached, and the same
    with Image.open(folder / "im07.png") as im:
        px = np.asarray(im).copy()
    px[-1, -1] = (0, 255, 0)
    Image.fromarray(px).save(folder / "im07.png")  # one pixel of one image
    second = stimulus_keys(spec)[("b", 0)]
    assert second != first
    rows = (folder / "labels.csv").read_text()
    assert "im07.png,dog" in rows
    (folder / "labels.csv").write_text(rows.replace("im07.png,dog", "im07.png,cat"))
    assert stimulus_keys(spec)[("b", 0)] not in (first, second)


def test_the_folder_is_listed_at_most_every_recheck_interval(tmp_path, settings, monkeypatch):
    import time

    from studies import stimuli

    folder = image_folder(tmp_path)
    spec = type("Spec", (), {"images": {"source": "image_folder", "folder": str(folder),
                                        "labels": str(folder / "labels.csv")}})
    settings.IMAGE_FOLDER_RECHECK_S = 5.0
    now = [time.monotonic()]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    first = stimuli.images_stamp(spec)
    (folder / "labels.csv").write_text((folder / "labels.csv").read_text() + "\n")
    now[0] += 4.9
    assert stimuli.images_stamp(spec) == first  # not listed again yet
    now[0] += 0.2
    assert stimuli.images_stamp(spec) != first  # 5.1 s later: the new CSV is seen
    assert stimuli.images_stamp(type("Spec", (), {"images": None})) == ()
