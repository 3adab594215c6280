"""Render job kinds besides explanations (explainers.render_kinds): the 2AFC trial images are
planned, keyed, published and verified like an explanation (no Django)."""

import json

import pytest

from explainers.plan import StaleJob, kind_job, run_job
from explainers.prerender import ManifestError, load_manifest
from explainers.render_kinds import UnknownRenderKind, get_kind

INPUTS = {"seed": 3, "references": 1, "trials": 2, "size": 32}


def test_the_key_covers_every_input_and_the_generator():
    kind = get_kind("trial_images")
    keys = {kind.key({**INPUTS, name: INPUTS[name] + 1}) for name in INPUTS}
    assert len(keys | {kind.key(INPUTS)}) == len(INPUTS) + 1
    with pytest.raises(ValueError, match="needs inputs"):
        kind.key({**INPUTS, "colour": 1})
    with pytest.raises(UnknownRenderKind, match="unknown render kind 'nope'.*trial_images"):
        kind_job("nope", INPUTS, label="x")


def test_trial_images_are_published_once_and_verified(tmp_path):
    job = kind_job("trial_images", INPUTS, label="block")
    manifest = run_job(job.to_dict(), root=tmp_path)  # as the task gets it: a dict
    assert manifest["key"] == job.key and manifest["inputs"] == INPUTS
    assert (manifest["rows"], manifest["cols"], manifest["row_labels"]) == (2, 3,
                                                                            ["Peeky", "Stretchy"])
    legs = [[c["scene"]["legs_position"] for c in manifest["cells"] if c["row"] == r]
            for r in (0, 1)]
    assert max(legs[0]) < 0.4 < 0.6 < min(legs[1])  # clear-cut Peekies, then Stretchies
    assert load_manifest(tmp_path, job.key) == manifest
    assert run_job(job, root=tmp_path) == manifest  # published: not drawn again
    (tmp_path / job.key / "r01c02.png").write_bytes(b"not the image")
    with pytest.raises(ManifestError, match="r01c02.png is missing or does not match"):
        load_manifest(tmp_path, job.key)
    again = run_job(job, root=tmp_path)  # the broken folder is moved aside and drawn afresh
    assert [c["sha256"] for c in again["cells"]] == [c["sha256"] for c in manifest["cells"]]
    assert [p.name.startswith(".broken-") for p in tmp_path.iterdir()].count(True) == 1


def test_a_manifest_whose_inputs_do_not_hash_to_its_key_fails(tmp_path):
    job = kind_job("trial_images", INPUTS, label="block")
    run_job(job, root=tmp_path)
    path = tmp_path / job.key / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "inputs": {**INPUTS, "seed": 4}}))
    with pytest.raises(ManifestError, match="hash to"):
        load_manifest(tmp_path, job.key)


def test_a_job_planned_with_other_code_is_refused(tmp_path):
    job = kind_job("trial_images", INPUTS, label="block")
    with pytest.raises(StaleJob, match="plan again"):
        run_job({**job.to_dict(), "key": "f" * 64}, root=tmp_path)
    assert not list(tmp_path.iterdir())
