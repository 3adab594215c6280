"""The dashboard's live view while a study runs: completion funnel, time per step, failures per
gate, exclusions by preregistered rule (the analysis layer on the tidy export) and outcome
accuracies only when the spec does not blind them (``blind_outcomes``)."""

from pathlib import Path

import pytest
from django.urls import reverse

from analysis.models import Preregistration
from studies.live import live_view
from studies.loading import load_study
from studies.spec import SpecError, parse_spec
from tests.bots import Bot, bot_prereg, write_study
from tests.test_pilot import PilotBot

pytestmark = pytest.mark.django_db


def run_study(study, clock):
    """Three Prolific participants (one careful, one failing the gate once, one screened out
    by it), one who withdraws at the video, and a pilot, which must not count."""
    done, once, out, gone = (Bot(study, clock) for _ in range(4))
    for bot in (done, once, out, gone):
        bot.enter()
    done.play()
    once.play(gate_failures=1)
    out.play(gate_failures=2)
    gone.play(stop_at="video")
    gone.withdraw()
    pilot = PilotBot(study, clock)
    pilot.start("alpha")
    pilot.play()
    return done, once, out, gone


def unblinded(tmp_path, settings):
    path = write_study(tmp_path, settings, slug="open-study")
    path.write_text(path.read_text().replace("seed: 11\n", "seed: 11\nblind_outcomes: false\n"))
    return load_study(path)[0]


def test_funnel_time_per_step_and_gate_failures(study, clock):
    run_study(study, clock)
    view = live_view(study)
    steps = {r["step"]: r for r in view["steps"]}
    assert [r["step"] for r in view["steps"]][:3] == ["consent", "device", "video"]
    assert [steps[s]["reached"] for s in ("consent", "video", "gate", "stimulus", "completion")] \
        == [4, 4, 3, 2, 2]
    assert steps["gate"]["ended_here"] == 1 and steps["video"]["ended_here"] == 1
    # the fake clock: 30 s minimum + 1 on the explanation, the 8 s video watched in 2 s steps
    assert (steps["stimulus"]["median_s"], steps["stimulus"]["timed"]) == (31.0, 2)
    # the video once, twice after a failed gate, twice before the second failure: 8, 16, 16 s
    assert steps["video"]["median_s"] == 16.0 and steps["video"]["timed"] == 3
    assert steps["completion"]["median_s"] is None
    assert view["gates"] == [{"step": "gate", "attempts": 1 + 2 + 2, "failed": 1 + 2,
                              "screened_out": 1}]


def test_outcome_accuracies_are_blinded_unless_the_spec_says_otherwise(study, clock, tmp_path,
                                                                         settings, admin_client):
    run_study(study, clock)
    assert live_view(study)["blinded"] is True and live_view(study)["accuracy"] is None
    page = admin_client.get(reverse("studies:dashboard", args=[study.slug])).content.decode()
    assert 'id="accuracy-blinded"' in page and 'id="live-accuracy"' not in page
    feed = admin_client.get(reverse("studies:dashboard-live", args=[study.slug])).json()
    assert feed["accuracy"] is None and feed["blinded"] is True

    open_study = unblinded(tmp_path, settings)
    right, wrong = Bot(open_study, clock), Bot(open_study, clock)
    right.enter()
    wrong.enter()
    right.play()
    wrong.play(stop_at="stimulus")
    form = wrong.form()
    wrong.post(wrong.answer(wrong.current_step(), correct=False), form)
    wrong.play()
    by_condition = {a["condition"]: a for a in live_view(open_study)["accuracy"]}
    assert {c: (a["n"], a["accuracy"]) for c, a in by_condition.items()} == {
        right.participant.condition.name: (1, 1.0), wrong.participant.condition.name: (1, 0.0)}
    page = admin_client.get(reverse("studies:dashboard", args=[open_study.slug])).content.decode()
    assert 'id="live-accuracy"' in page and 'id="accuracy-blinded"' not in page


def test_blind_outcomes_must_be_true_or_false(tmp_path, settings):
    path = write_study(tmp_path, settings)
    text = path.read_text()
    for line, message in (("blind_outcomes: maybe", "blind_outcomes: must be true or false"),
                          ("blind_outcome: true", "unknown key 'blind_outcome'")):
        with pytest.raises(SpecError, match=message):
            parse_spec(text.replace("seed: 11\n", f"seed: 11\n{line}\n"))


def test_exclusions_by_rule_come_from_the_analysis_on_the_tidy_export(study, clock,
                                                                      admin_client):
    url = reverse("analysis:live-exclusions", args=[study.slug])
    assert "no preregistration stored" in admin_client.get(url).json()["error"]
    Preregistration.objects.create(study=study, text=bot_prereg(study.slug))
    run_study(study, clock)
    data = admin_client.get(url).json()
    assert data["collected"] == 4  # the pilot is not in the export
    rules = {r["rule"]: r for r in data["rules"]}
    assert list(rules) == ["withdrawn_or_returned", "repeated_attempt", "not_finished",
                           "over_time_limit", "videos_incomplete", "gate_failures",
                           "device_too_small", "relevance_too_fast", "manual_screening"]
    assert rules["withdrawn_or_returned"]["first"] == 1
    assert (rules["not_finished"]["first"], rules["not_finished"]["any"]) == (1, 2)
    assert (rules["gate_failures"]["first"], rules["gate_failures"]["any"]) == (0, 1)
    assert rules["over_time_limit"]["any"] == 0  # the bots finish in minutes, within 60
    assert sum(r["first"] for r in data["rules"]) + data["included"] == data["collected"]
    assert data["locked"] is True
    for rule in data["rules"]:  # named in the preregistration's words, as the report does
        assert "=" not in rule["reason"], rule["reason"]


def test_live_pages_need_a_staff_login(study, client):
    for url in (reverse("studies:dashboard-live", args=[study.slug]),
                reverse("analysis:live-exclusions", args=[study.slug])):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_dashboard_shows_the_live_view(study, clock, admin_client):
    run_study(study, clock)
    page = admin_client.get(reverse("studies:dashboard", args=[study.slug])).content.decode()
    for part in ('id="live-steps"', 'id="live-gates"', 'id="live-exclusions"',
                 'data-exclusions-url="/analysis/bot-study/live/exclusions.json"'):
        assert part in page
    assert "<th>stimulus</th>" in page


def test_studies_does_not_import_analysis():
    """docs/architecture.md: no layer imports from a layer to its right."""
    root = Path(__file__).resolve().parent.parent / "studies"
    offenders = [str(p) for p in root.rglob("*.py")
                 if "from analysis" in p.read_text() or "import analysis" in p.read_text()]
    assert offenders == []
