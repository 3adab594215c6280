"""The shipped specs load, and ``load_study`` reports what keeps a study from going live."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from studies.models import Study
from studies.runtime import spec_of
from studies.spec import load_spec_file
from studies.trial_lists import trials_of

SPECS = Path(__file__).parent.parent / "studies" / "specs"


def test_study2_matches_preregistration_d2():
    spec = load_spec_file(SPECS / "two4two-study2.yaml")
    assert [(c.name, c.target) for c in spec.conditions] == [
        ("baseline", 80), ("inn", 80), ("concepts", 80)]
    assert spec.design == "between" and spec.device_min_px == 600
    assert spec.payment.base == "4.50" and spec.payment.bonus_per_correct == "0.40"
    assert spec.payment.partial_for("gate-dataset") == Decimal("0.50")
    assert spec.payment.partial_for("gate-ml") == Decimal("1.75")
    assert spec.payment.partial_for("gate-explanation") == Decimal("3.50")
    assert spec.payment.partial_for("video-dataset") == 0
    assert spec.payment.partial_for("video-ml") == Decimal("1.00")
    assert spec.payment.partial_for("video-explanation") == Decimal("2.00")
    types = [s.type for s in spec.steps]
    assert types.count("video") == 3 and types.count("comprehension_gate") == 3
    stim = spec.steps[spec.index_of("explanation")]
    assert [a.id for a in stim.attributes] == ["legs", "color", "background", "shape", "rotation"]
    assert stim.answer_key_from == "checkpoints/study/ground_truth.json"
    assert stim.min_seconds == 30
    expertise = spec.steps[spec.index_of("expertise")]
    assert expertise.choices == ["complete novice", "some expertise", "expert"]


def test_study1_is_the_baseline_only_validation():
    spec = load_spec_file(SPECS / "two4two-study1.yaml")
    assert [(c.name, c.target) for c in spec.conditions] == [("baseline", 50)]
    assert spec.design == "within" and spec.payment.base == "6.00"
    assert "expertise" not in [s.id for s in spec.steps]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["two4two-study1", "two4two-study2", "two-afc-example"])
def test_shipped_specs_load(name, capsys):
    call_command("load_study", str(SPECS / f"{name}.yaml"))
    study = Study.objects.get(slug=name)
    assert study.conditions.count() == len(load_spec_file(SPECS / f"{name}.yaml").conditions)
    out = capsys.readouterr().out
    assert "loaded study" in out


@pytest.mark.django_db
def test_two_afc_example_is_ready_once_render_stimuli_published_its_images(settings, capsys):
    """The trial images are a render job like the explanations: load_study renders nothing,
    render_stimuli publishes one content-addressed stimulus, the trials name its cells."""
    from explainers.prerender import load_manifest
    from studies.readiness import problems

    call_command("load_study", str(SPECS / "two-afc-example.yaml"))
    out = capsys.readouterr().out
    assert "not ready" in out and "trial images not rendered yet (run render_stimuli)" in out
    assert not (Path(settings.MEDIA_ROOT) / "studies").exists()  # the server draws nothing
    call_command("render_stimuli", "two-afc-example")
    assert "1 stimuli, 0 already published; rendering here 1" in capsys.readouterr().out
    study = Study.objects.get(slug="two-afc-example")
    assert problems(study) == []
    spec = spec_of(study)
    trials = trials_of(spec, spec.steps[spec.index_of("trials")])
    assert [t.kind for t in trials].count("catch") == 2 and trials[0].kind == "practice"
    (key,) = {o.key for t in trials for o in t.options}
    manifest = load_manifest(settings.STIMULI_ROOT, key)
    assert (manifest["kind"], manifest["rows"], manifest["cols"]) == ("trial_images", 2, 3 + 10)
    assert manifest["row_labels"] == ["Peeky", "Stretchy"]
    cells = {(c["row"], c["col"]): c for c in manifest["cells"]}
    for t in trials:
        stretchy = t.options[t.answer]
        assert stretchy.row == 1 and cells[(1, stretchy.col)]["scene"]["legs_position"] > 0.6
        assert cells[(0, t.options[1 - t.answer].col)]["scene"]["legs_position"] < 0.4
        if t.kind == "catch":  # a copy of a reference image: the answer is obvious
            assert (stretchy.row, stretchy.col) in {(i.row, i.col) for r in t.references
                                                    for i in r.images}
    call_command("render_stimuli", "two-afc-example")
    assert "1 already published; rendering here 0" in capsys.readouterr().out


@pytest.mark.django_db
def test_unready_study_lists_what_is_missing(settings, capsys, tmp_path):
    settings.BASE_DIR = tmp_path  # no checkpoint, no ground truth here
    call_command("load_study", str(SPECS / "two4two-study2.yaml"))
    out = capsys.readouterr().out
    assert "not ready to go live" in out
    assert "ground_truth.json does not exist yet" in out
    assert "video tutorials/intro-peeky-stretchy.mp4 is missing" in out


@pytest.mark.django_db
def test_load_twice_needs_update_and_bad_specs_are_command_errors(tmp_path):
    base = Path(__file__).parent / "spec_fixtures"
    call_command("load_study", str(base / "base.yaml"))
    with pytest.raises(CommandError, match="--update"):
        call_command("load_study", str(base / "base.yaml"))
    call_command("load_study", str(base / "base.yaml"), update=True)
    with pytest.raises(CommandError, match=r"conditions\[0\].target: must be at least 1"):
        call_command("load_study", str(base / "bad-target.yaml"))
