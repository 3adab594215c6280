"""Preregistration lock (on the first participant, by command, by admin action), refused edits,
amendments, and analysis_report from the database."""

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from analysis import prereg as prereg_module
from analysis import simulate, sources
from analysis.models import Annotation, Preregistration
from studies.models import Participant, Study
from studies.spec import load_spec_file

EXAMPLES = Path(__file__).resolve().parent.parent / "analysis" / "examples" / "two4two"
STUDY1 = (EXAMPLES / "study1.yaml").read_text()

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return Study.objects.create(slug="two4two-study1", title="Study 1", spec={}, spec_sha256="0")


def test_first_participant_locks_the_preregistration(study):
    record = Preregistration.objects.create(study=study, text=STUDY1)
    assert not record.is_locked
    Participant.objects.create(study=study, prolific_pid="P1")
    record.refresh_from_db()
    assert record.is_locked and record.sha256 == prereg_module.content_hash(STUDY1)
    locked_at = record.locked_at
    Participant.objects.create(study=study, prolific_pid="P2")
    record.refresh_from_db()
    assert record.locked_at == locked_at  # the first one counts


def test_edit_after_lock_is_refused_but_an_amendment_is_recorded(study):
    record = Preregistration.objects.create(study=study, text=STUDY1)
    assert record.lock() and not record.lock()
    record.text = STUDY1.replace("alpha: 0.025", "alpha: 0.05")
    with pytest.raises(ValidationError, match="locked"):
        record.save()
    with pytest.raises(ValidationError, match="locked"):
        record.full_clean()
    record.refresh_from_db()
    amendment = record.amend(STUDY1.replace("minutes: 77", "minutes: 70"),
                             reason="Prolific median completion time was lower than piloted")
    assert record.document().rule("over_time_limit").params["minutes"] == 70
    assert amendment.previous_sha256 == record.sha256 != amendment.sha256
    with pytest.raises(ValidationError, match="cannot be changed"):
        amendment.save()
    with pytest.raises(ValidationError, match="needs a reason"):
        record.amend(STUDY1, reason="  ")
    with pytest.raises(ValidationError, match="invalid"):
        record.amend("design: nope", reason="typo")
    from analysis.models import Amendment

    with pytest.raises(ValidationError, match="invalid"):
        Amendment(preregistration=record, reason="x", text="title: [").full_clean()


def test_invalid_text_fails_validation(study):
    record = Preregistration(study=study, text="title: x\ndesign: between\n")
    with pytest.raises(ValidationError, match="analyses: needs at least 1"):
        record.full_clean()


def test_lock_prereg_command_and_aspredicted_export(study, tmp_path):
    study.source_yaml = (EXAMPLES.parents[2] / "studies/specs/two4two-study1.yaml").read_text()
    study.save()  # lock_prereg checks the preregistration against the study's spec
    source = tmp_path / "p.yaml"
    source.write_text(STUDY1)
    out = tmp_path / "aspredicted.md"
    call_command("lock_prereg", study.slug, "--file", str(source), "--aspredicted", str(out))
    record = Preregistration.objects.get(study=study)
    assert record.is_locked and "## 6) Describe exactly how outliers" in out.read_text()
    source.write_text(STUDY1.replace("77", "60"))
    with pytest.raises(CommandError, match="locked"):
        call_command("lock_prereg", study.slug, "--file", str(source))
    with pytest.raises(CommandError, match="no study"):
        call_command("lock_prereg", "nope")


SPEC1 = (EXAMPLES.parents[2] / "studies/specs/two4two-study1.yaml").read_text()


def test_admin_lock_action(study, admin_client):
    study.source_yaml = SPEC1
    study.save()
    record = Preregistration.objects.create(study=study, text=STUDY1)
    url = reverse("admin:analysis_preregistration_changelist")
    response = admin_client.post(url, {"action": "lock_selected",
                                       "_selected_action": [record.pk]}, follow=True)
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.is_locked
    page = admin_client.get(reverse("admin:analysis_preregistration_change", args=[record.pk]))
    assert page.status_code == 200 and b'name="text"' not in page.content  # read-only now


def test_admin_lock_refuses_a_preregistration_that_disagrees_with_the_spec(study, admin_client):
    record = Preregistration.objects.create(study=study, text=STUDY1.replace("minutes: 77",
                                                                             "minutes: 60"))
    url = reverse("admin:analysis_preregistration_changelist")
    response = admin_client.post(url, {"action": "lock_selected",
                                       "_selected_action": [record.pk]}, follow=True)
    record.refresh_from_db()
    assert not record.is_locked  # the study has no spec yet: nothing to check against
    assert "no stored spec" in response.content.decode()
    study.source_yaml = SPEC1
    study.save()
    response = admin_client.post(url, {"action": "lock_selected",
                                       "_selected_action": [record.pk]}, follow=True)
    record.refresh_from_db()
    page = response.content.decode()
    assert not record.is_locked
    assert "disagrees with the study&#x27;s spec" in page and "77" in page and "60" in page


def test_a_preregistration_that_disagrees_with_the_loaded_spec_is_refused_on_save(study):
    study.source_yaml = SPEC1
    study.save()
    with pytest.raises(ValidationError, match="disagrees with the study's spec"):
        Preregistration(study=study, text=STUDY1.replace("minutes: 77", "minutes: 60")).full_clean()
    Preregistration(study=study, text=STUDY1).full_clean()  # the shipped pair agrees


def test_a_study_whose_preregistration_disagrees_does_not_go_live():
    from studies.loading import load_study
    from studies.readiness import problems

    study, _ = load_study(EXAMPLES.parents[2] / "studies/specs/two4two-study1.yaml")
    record = Preregistration.objects.create(study=study, text=STUDY1)
    assert not any("preregistration" in p for p in problems(study))
    record.amend(STUDY1.replace("minutes: 77", "minutes: 60"), reason="shorter, as piloted")
    found = [p for p in problems(study) if "preregistration" in p]
    assert len(found) == 1 and "disagrees with the loaded spec" in found[0] and "60" in found[0]


def test_analysis_report_from_the_database(study, tmp_path, monkeypatch):
    record = Preregistration.objects.create(study=study, text=STUDY1)
    record.lock()
    record.amend(STUDY1.replace("seconds: 30", "seconds: 25"), reason="timer bug in pilot")
    document = prereg_module.parse(STUDY1)
    acc = simulate.parse_accuracies(["baseline:legs=0.9", "baseline:color=0.4"], document)
    spec = load_spec_file(EXAMPLES.parent.parent.parent / "studies" / "specs" / "two4two-study1.yaml")
    fake = simulate.simulate(document, spec=spec, n_per_condition=30, accuracy=acc, seed=5)
    participant = Participant.objects.create(study=study, prolific_pid="PX")
    ann = get_user_model().objects.create(username="ann")
    bob = get_user_model().objects.create(username="bob")
    for annotator in (ann, bob):
        Annotation.objects.create(participant=participant, annotator=annotator, label="exclude")
    first = fake["participant"].iloc[0]
    monkeypatch.setattr("analysis.screening_db.participant_key",
                        lambda p: first)  # the boundary: the export's participant ids
    calls = []

    def export(s):  # the studies export, faked at the boundary (Contract 4 DataFrame)
        calls.append(s)
        return fake

    monkeypatch.setattr(sources, "tidy_responses", export)
    call_command("analysis_report", study.slug, "--out", str(tmp_path))
    numbers = json.loads((tmp_path / "results.json").read_text())
    assert calls == [study]
    assert numbers["amendments"][0]["reason"] == "timer bug in pilot"
    assert any("timer bug" in d for d in numbers["deviations"])
    assert numbers["preregistration_sha256"] == prereg_module.content_hash(
        STUDY1.replace("seconds: 30", "seconds: 25"))
    entry = next(e for e in numbers["exclusions"] if e["participant"] == first)
    assert entry["excluded"] and "excluded after manual screening" in entry["all_reasons"]
    assert numbers["screening"]["excluded"] == [first]
    with pytest.raises(CommandError, match="no study"):
        call_command("analysis_report", "missing", "--out", str(tmp_path))


def test_analysis_report_without_export_is_a_clear_error(study, tmp_path, monkeypatch):
    Preregistration.objects.create(study=study, text=STUDY1)

    def missing(s):
        raise sources.AnalysisError("the studies app has no export function")

    monkeypatch.setattr(sources, "tidy_responses", missing)
    with pytest.raises(CommandError, match="no export function"):
        call_command("analysis_report", study.slug, "--out", str(tmp_path))


def test_analysis_report_with_the_real_studies_export(tmp_path):
    """End to end through studies.exports.tidy_responses (typed columns, pd.NA, empty rows)."""
    from datetime import timedelta

    from studies.loading import load_study
    from studies.models import Response, Status

    study, _ = load_study(EXAMPLES.parent.parent.parent / "studies" / "specs" /
                          "two4two-study1.yaml")
    Preregistration.objects.create(study=study, text=STUDY1)
    baseline = study.conditions.get(name="baseline")
    key = {"legs": "relevant", "color": "relevant", "background": "irrelevant",
           "shape": "relevant", "rotation": "irrelevant"}
    chose_color = [True, False, False, True, False, False]
    videos = ["video-dataset", "video-explanation", "video-ml"]
    for i, color_ok in enumerate(chose_color):
        p = Participant.objects.create(study=study, prolific_pid=f"P{i}", condition=baseline,
                                       status=Status.COMPLETED, device_ok=True,
                                       state={"_videos_done": videos})  # all watched
        Participant.objects.filter(pk=p.pk).update(completed_at=p.started_at + timedelta(
            minutes=80 if i == 0 else 45))  # participant 0 was past the 77-minute limit
        for item, answer in key.items():
            response = answer if (item != "color" or color_ok) else "irrelevant"
            Response.objects.create(participant=p, step="relevance", step_index=5,
                                    item_type="relevance", item=item, response=response,
                                    answer_key=answer, correct=response == answer,
                                    justification="because", step_duration_s=120.0)
    Participant.objects.create(study=study, prolific_pid="PS", status=Status.SCREENED_OUT)
    call_command("analysis_report", study.slug, "--out", str(tmp_path))
    numbers = json.loads((tmp_path / "results.json").read_text())
    flow = numbers["flow"][0]
    assert flow["collected"] == 7 and flow["analysed"] == 5
    assert flow["finished after the time limit (minutes=77)"] == 1
    legs_color = next(t for t in numbers["tests"] if t["label"].startswith("legs vs color"))
    # b = 4 (legs yes, color no), c = 0 -> one-sided exact p = 0.5**4
    assert legs_color["p"] == pytest.approx(0.5**4)
    # two annotators exclude P1 (a 'color irrelevant' answer): the exclusion reaches the table
    annotators = [get_user_model().objects.create(username=n) for n in ("ann", "bob")]
    p1 = Participant.objects.get(study=study, prolific_pid="P1")
    for annotator in annotators:
        Annotation.objects.create(participant=p1, annotator=annotator, label="exclude")
    call_command("analysis_report", study.slug, "--out", str(tmp_path / "screened"))
    numbers = json.loads((tmp_path / "screened" / "results.json").read_text())
    flow = numbers["flow"][0]
    assert flow["analysed"] == 4
    assert flow["excluded after manual screening of free-text answers"] == 1
    entry = next(e for e in numbers["exclusions"] if e["participant"] == str(p1.public_id))
    assert entry["reason"] == "excluded after manual screening of free-text answers"
    legs_color = next(t for t in numbers["tests"] if t["label"].startswith("legs vs color"))
    assert legs_color["p"] == pytest.approx(0.5**3)
    assert not any("never locked" in d for d in numbers["deviations"])
    record = Preregistration.objects.get(study=study)
    assert record.is_locked  # locked by the first arrival
    assert numbers["provenance"]["locked_sha256"] == record.sha256
    assert "Preregistration locked at" in (tmp_path / "report.md").read_text()


def test_admin_adds_a_visible_amendment_to_a_locked_preregistration(study, admin_client):
    record = Preregistration.objects.create(study=study, text=STUDY1)
    record.lock()
    url = reverse("admin:analysis_preregistration_change", args=[record.pk])
    form = {"amendments-TOTAL_FORMS": "1", "amendments-INITIAL_FORMS": "0",
            "amendments-MIN_NUM_FORMS": "0", "amendments-MAX_NUM_FORMS": "1000",
            "amendments-0-reason": "pilot showed 70 minutes suffice",
            "amendments-0-text": STUDY1.replace("minutes: 77", "minutes: 70")}
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    amendment = record.amendments.get()
    assert amendment.author.is_superuser and amendment.previous_sha256 == record.sha256
    assert record.document().rule("over_time_limit").params["minutes"] == 70
    record.refresh_from_db()
    assert record.text == STUDY1  # the locked original is untouched
    page = admin_client.get(url).content.decode()
    assert "pilot showed 70 minutes suffice" in page
    bad = dict(form, **{"amendments-0-text": "title: ["})
    assert admin_client.post(url, bad).status_code == 200  # form re-shown with the error
    assert record.amendments.count() == 1
