"""Pilot sessions: a researcher (staff) or a reviewer (signed preview link) walks the study with a
jump-to-step browser; nothing of it counts (slots, targets, pay, Prolific, block list, the
preregistration's lock) and it is left out of exports unless asked for."""

import io
from pathlib import Path

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from analysis.models import Preregistration
from analysis.prereg import parse as parse_prereg
from analysis.results import AnalysisError
from analysis.study_data import prepare
from studies import pilots
from studies.assignment import fill
from studies.exports import approve_list, screen_out_list, tidy_responses
from studies.flags import flags
from studies.loading import load_study
from studies.models import BlockEntry, Event, EventKind, Participant, Status
from studies.prolific.client import Submission
from studies.prolific.sync import _match
from tests.bots import FIELD, Bot, bot_prereg, write_study

pytestmark = pytest.mark.django_db
STUDY1 = (Path(__file__).resolve().parent.parent / "analysis" / "examples" / "two4two"
          / "study1.yaml").read_text()


class PilotBot(Bot):
    """A researcher's browser: logged in as staff, starts a pilot from the dashboard."""

    def __init__(self, study, clock, client=None):
        super().__init__(study, clock, client=client)
        if client is None:
            user = get_user_model().objects.create_user("res", password="pw", is_staff=True)
            self.client.force_login(user)

    def start(self, condition: str):
        page = self.client.get(reverse("studies:dashboard", args=[self.study.slug]))
        token = dict(FIELD.findall(page.content.decode()))["csrfmiddlewaretoken"]
        self.last = self.client.post(reverse("studies:pilot-start", args=[self.study.slug]),
                                     {"condition": condition, "csrfmiddlewaretoken": token})
        newest = Participant.objects.filter(study=self.study, pilot=True).order_by("-id").first()
        self.pid = newest.prolific_pid if newest else ""
        return self.last

    def jump(self, index):
        token = dict(FIELD.findall(self.get().content.decode()))["csrfmiddlewaretoken"]
        self.last = self.client.post(reverse("studies:pilot-jump", args=[self.study.slug]),
                                     {"index": str(index), "csrfmiddlewaretoken": token})
        return self.last


@pytest.fixture
def listed_study(tmp_path, settings, clock):
    """The bot study with a cross-study block list and an unlocked preregistration."""
    settings.PROLIFIC_COMPLETE_URL = "https://prolific.test/complete?cc="
    study, _ = load_study(write_study(tmp_path, settings, slug="pilot-study", targets=(1, 1),
                                      block_list=True))
    Preregistration.objects.create(study=study, text=bot_prereg("pilot-study", (1, 1)))
    return study


def test_a_staff_pilot_walks_the_study_and_nothing_counts(listed_study, clock):
    pilot = PilotBot(listed_study, clock)
    started = pilot.start("beta")
    assert started.status_code == 302 and started["Location"] == pilot.step_url
    assert "pilot-bar" in pilot.get().content.decode()
    last = pilot.play()
    p = pilot.participant
    assert p.pilot and p.pilot_by == "res" and p.condition.name == "beta"
    assert p.status == Status.COMPLETED and p.correct_answers == 5
    assert (p.base_pay_gbp, p.bonus_gbp) == (0, 0)  # never paid
    assert last["Location"] == pilot.step_url  # not sent to Prolific
    final = pilot.get().content.decode()
    assert 'id="completion-code"' in final and "prolific-link" not in final
    assert [(c.name, c.held, c.done) for c in fill(listed_study)] == [("alpha", 0, 0),
                                                                         ("beta", 0, 0)]
    assert not BlockEntry.objects.exists()
    assert not Preregistration.objects.get(study=listed_study).is_locked
    assert approve_list(listed_study) == "" and flags(listed_study) == []
    # a real participant still gets beta's one place, and locks the preregistration
    for _ in range(2):
        real = Bot(listed_study, clock)
        real.enter()
        assert real.participant.condition is not None
    assert {c.name: c.held for c in fill(listed_study)} == {"alpha": 1, "beta": 1}
    assert Preregistration.objects.get(study=listed_study).is_locked
    assert BlockEntry.objects.count() == 2


def test_pilot_sessions_are_left_out_of_exports_unless_asked_for(listed_study, clock, tmp_path):
    pilot = PilotBot(listed_study, clock)
    pilot.start("alpha")
    pilot.play(gate_failures=2)  # screened out
    real = Bot(listed_study, clock)
    real.enter()
    real.play()
    assert screen_out_list(listed_study) == ""
    frame = tidy_responses(listed_study)
    assert set(frame["participant"]) == {str(real.participant.public_id)}
    assert not frame["pilot"].any()
    both = tidy_responses(listed_study, include_pilot=True)
    marked = both[both["pilot"]]
    assert set(marked["prolific_pid"]) == {pilot.pid} and set(marked["status"]) == {"screened_out"}
    out, with_pilots = tmp_path / "r.csv", tmp_path / "all.csv"
    call_command("export_responses", listed_study.slug, "--out", str(out), stdout=io.StringIO())
    call_command("export_responses", listed_study.slug, "--out", str(with_pilots),
                 "--include-pilot", stdout=io.StringIO())
    assert pilot.pid not in out.read_text() and pilot.pid in with_pilots.read_text()
    assert pd.read_csv(with_pilots)["pilot"].sum() == len(marked)
    csv = pilot.client.get(reverse("studies:download", args=[listed_study.slug, "csv"]))
    assert pilot.pid.encode() not in csv.content
    csv = pilot.client.get(reverse("studies:download", args=[listed_study.slug, "csv"]),
                           {"pilot": "include"})
    assert pilot.pid.encode() in csv.content


def test_the_analysis_refuses_an_export_with_pilot_sessions():
    prereg = parse_prereg(STUDY1)
    frame = pd.DataFrame({"participant": ["a", "b"], "condition": ["baseline", "baseline"],
                          "item_type": ["relevance"] * 2, "item": ["legs"] * 2,
                          "response": ["relevant"] * 2, "status": ["completed"] * 2,
                          "pilot": [False, True]})
    with pytest.raises(AnalysisError, match=r"1 pilot session\(s\).*'b'.*--include-pilot"):
        prepare(frame, prereg)


def test_jump_to_any_step_and_reopen_a_finished_pilot(listed_study, clock):
    pilot = PilotBot(listed_study, clock)
    pilot.start("alpha")
    page = pilot.get().content.decode()
    targets = pilots.jump_targets(pilot.participant)
    assert [t.id for t in targets] == ["consent", "device", "video", "summary", "gate",
                                       "stimulus", "expertise", "opinion", "strategy"]
    for t in targets:
        assert f'data-step="{t.id}"' in page
    pilot.jump(5)
    assert pilot.current_step().id == "stimulus"
    page = pilot.get().content.decode()
    assert 'data-step="stimulus"' in page and "Pilot: jumped to step 6 (stimulus)." in page
    pilot.play()
    assert pilot.participant.status == Status.COMPLETED
    pilot.jump(4)  # back into a finished pilot
    p = pilot.participant
    assert (p.status, p.step_index, p.completion_code) == (Status.ACTIVE, 4, "")
    assert pilot.current_step().id == "gate"
    jumps = Event.objects.filter(participant=p, kind=EventKind.PILOT).exclude(data__jump=None)
    assert [e.step for e in jumps] == ["stimulus", "gate"]


def test_a_bad_jump_changes_nothing_and_says_so(listed_study, clock):
    pilot = PilotBot(listed_study, clock)
    pilot.start("alpha")
    for bad in ("99", "9", "-1", "x"):  # 9 is the completion step: reached by finishing only
        pilot.jump(bad)
        assert pilot.participant.step_index == 0
    page = pilot.client.get(pilot.step_url).content.decode()
    assert "there is no step" in page


def test_a_real_participant_cannot_jump(listed_study, clock):
    real = Bot(listed_study, clock)
    real.enter()
    token = dict(FIELD.findall(real.get().content.decode()))["csrfmiddlewaretoken"]
    response = real.client.post(reverse("studies:pilot-jump", args=[listed_study.slug]),
                                {"index": "5", "csrfmiddlewaretoken": token})
    assert response.status_code == 403 and real.participant.step_index == 0
    assert "pilot-bar" not in real.get().content.decode()


def test_starting_a_pilot_needs_a_staff_login(listed_study, clock):
    anonymous = Client()
    response = anonymous.post(reverse("studies:pilot-start", args=[listed_study.slug]),
                              {"condition": "alpha"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    user = get_user_model().objects.create_user("someone", password="pw")
    anonymous.force_login(user)
    anonymous.post(reverse("studies:pilot-start", args=[listed_study.slug]), {"condition": "alpha"})
    assert not Participant.objects.filter(pilot=True).exists()


def test_a_pilot_of_an_unknown_condition_or_an_unready_study_is_refused(tmp_path, settings, clock):
    study, _ = load_study(write_study(tmp_path, settings, slug="unready", publish=False))
    pilot = PilotBot(study, clock)
    pilot.start("alpha")
    page = pilot.client.get(reverse("studies:dashboard", args=[study.slug])).content.decode()
    assert "No pilot started: the study is not ready for a pilot: stimulus alpha/0" in page
    pilot.start("nope")
    page = pilot.client.get(reverse("studies:dashboard", args=[study.slug])).content.decode()
    assert "condition &#x27;nope&#x27; is not one of this study&#x27;s (alpha, beta)" in page
    assert not Participant.objects.exists()


def test_a_signed_preview_link_lets_a_reviewer_pilot_without_an_account(listed_study, clock,
                                                                          admin_client):
    dashboard = admin_client.get(reverse("studies:dashboard", args=[listed_study.slug]))
    links = {name: link for name, link in dashboard.context["previews"]}
    assert set(links) == {"alpha", "beta"}
    reviewer = Bot(listed_study, clock)
    response = reviewer.client.get(links["beta"])
    assert response.status_code == 302
    p = Participant.objects.get(pilot=True)
    assert (p.pilot_by, p.condition.name) == ("preview link", "beta")
    reviewer.pid = p.prolific_pid
    assert reviewer.client.get(links["beta"]).status_code == 302  # resumes, no second pilot
    assert Participant.objects.filter(pilot=True).count() == 1
    reviewer.play()
    assert reviewer.participant.status == Status.COMPLETED
    assert [c.held for c in fill(listed_study)] == [0, 0]


def test_forged_expired_or_foreign_preview_links_are_refused(listed_study, clock, monkeypatch,
                                                             tmp_path, settings):
    good = pilots.preview_token(listed_study, "alpha")
    other, _ = load_study(write_study(tmp_path, settings, slug="other-study"))
    forged = signing.dumps({"study": listed_study.slug, "condition": "alpha"}, key="guess",
                           salt=pilots.PREVIEW_SALT)
    cases = {good[:-3] + "xyz": "not valid", forged: "not valid",
             pilots.preview_token(other, "alpha"): "belongs to another study"}
    for token, message in cases.items():
        response = Client().get(reverse("studies:preview", args=[listed_study.slug, token]))
        assert response.status_code == 400 and message in response.content.decode()
    monkeypatch.setattr(pilots, "PREVIEW_MAX_AGE_S", -1)
    response = Client().get(reverse("studies:preview", args=[listed_study.slug, good]))
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not Participant.objects.filter(pilot=True).exists()


def test_prolific_never_sees_a_pilot(listed_study, clock):
    pilot = PilotBot(listed_study, clock)
    pilot.start("alpha")
    p = pilot.participant
    assert not pilots.pilot_pid().isalnum()  # never a 24-hex Prolific ID
    sub = Submission(id=p.prolific_session_id or "s1", participant_id=p.prolific_pid,
                     status="AWAITING REVIEW")
    assert _match(listed_study, [sub]) == {}


def test_pilots_do_not_freeze_the_design(listed_study, clock, tmp_path):
    """Before go-live the researcher pilots, fixes the spec and reloads it: pilot sessions the
    new design would break are removed (and said so); Prolific participants still freeze it."""
    from django.core.management import CommandError

    spec = Path(tmp_path / "pilot-study.yaml")
    for condition in ("alpha", "beta"):
        PilotBot(listed_study, clock, client=None if condition == "alpha" else _staff())\
            .start(condition)
    text = spec.read_text()
    one_condition = text[:text.index("  - {name: beta")] + text[text.index("steps:"):]
    spec.write_text(one_condition)
    out = io.StringIO()
    call_command("load_study", str(spec), "--update", stdout=out)
    assert "removed 1 pilot session(s)" in out.getvalue()
    assert list(Participant.objects.filter(pilot=True).values_list("condition__name",
                                                                    flat=True)) == ["alpha"]
    spec.write_text(one_condition.replace("  - {id: strategy, type: free_text, question: "
                                          "\"Your strategy?\", min_chars: 5}\n", ""))
    out = io.StringIO()
    call_command("load_study", str(spec), "--update", stdout=out)
    assert "removed 1 pilot session(s)" in out.getvalue()
    assert not Participant.objects.exists()
    # a preregistration of two conditions no longer fits: it would keep the study from going
    # live (tests/test_analysis_models.py), so the researcher withdraws it before the next arrival
    Preregistration.objects.filter(study=listed_study).delete()
    Bot(listed_study, clock).enter()
    spec.write_text(one_condition)
    with pytest.raises(CommandError, match="participants exist already"):
        call_command("load_study", str(spec), "--update", stdout=io.StringIO())


def _staff():
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.create_user("res2", password="pw",
                                                            is_staff=True))
    return client


def test_a_researcher_who_opens_the_participants_link_gets_a_pilot(listed_study, clock):
    researcher = PilotBot(listed_study, clock)
    researcher.enter()  # the Prolific-style link, signed in as staff
    assert researcher.last["Location"] == researcher.step_url
    assert not Participant.objects.filter(prolific_pid=researcher.pid).exists()
    pilot = Participant.objects.get(pilot=True)
    assert pilot.pilot_by == "res" and pilot.condition is not None
    page = researcher.get().content.decode()
    assert "this is a pilot session: nothing is counted" in page and "pilot-bar" in page
    assert [c.held for c in fill(listed_study)] == [0, 0] and not BlockEntry.objects.exists()
