"""The shipped specs load, and ``load_study`` reports what keeps a study from going live."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from studies.models import Study
from studies.runtime import spec_of
from studies.spec import load_spec_file
from studies.trials import trials_of

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
def test_two_afc_example_renders_its_images_and_is_ready(settings, capsys):
    call_command("load_study", str(SPECS / "two-afc-example.yaml"))
    assert "ready: every stimulus" in capsys.readouterr().out
    folder = Path(settings.MEDIA_ROOT) / "studies" / "two-afc-example" / "trials"
    assert len(list(folder.glob("*.png"))) == 2 * 3 + 2 * 10  # references + both per trial
    spec = spec_of(Study.objects.get(slug="two-afc-example"))
    trials = trials_of(spec, spec.steps[spec.index_of("trials")])
    assert [t.kind for t in trials].count("catch") == 2 and trials[0].kind == "practice"
    for t in trials:
        assert all((Path(settings.MEDIA_ROOT) / o.file).is_file() for o in t.options)
        if t.kind == "catch":  # a copy of a reference image: the answer is obvious
            assert t.options[t.answer].file in {i.file for r in t.references for i in r.images}


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
