"""View ``studies:explore`` (/s/<study>/explore/): the explorer's actions, answered with the
scored picture, logged one row each, refused when bad, stale or too many, and exported.

The current step stands in for an explorer step here (``is_explorer`` and the step's scenes
are patched), so these tests check the endpoint's own mechanics."""

import pytest
from django.test import Client
from django.urls import reverse

from explainers.explorer import mix, sampled_scenes, shared_scorer
from studies.explorer import limits
from studies.exports import explorer_actions, explorer_summaries
from studies.models import ExplorerAction, Participant
from tests.bots import FIELD, Bot

pytestmark = pytest.mark.django_db
SCENES = sampled_scenes(sampler="study", seed=31, count=4)


@pytest.fixture
def explorer(study, clock, monkeypatch):
    monkeypatch.setattr("studies.views.explorer.is_explorer", lambda step: True)
    monkeypatch.setattr("studies.explorer.endpoint.scenes_of", lambda step: SCENES)
    bot = Bot(study, clock)
    bot.enter()
    bot.get()
    return bot


def explore(bot, **fields):
    form = dict(FIELD.findall(bot.last.content.decode()))
    return bot.client.post(reverse("studies:explore", args=[bot.study.slug]),
                           {"step": form["step"], "nonce": form["nonce"],
                            "csrfmiddlewaretoken": form["csrfmiddlewaretoken"],
                            **{k: str(v) for k, v in fields.items()}})


def test_actions_answer_the_scored_scene_and_are_logged(explorer):
    selected = explore(explorer, action="select", index=1, t_client=1763856000000).json()
    assert selected["ok"] and selected["selected"] == 1 and selected["history"] == []
    assert selected["score"] == pytest.approx(shared_scorer().probe(SCENES[1]).score, abs=1e-4)
    assert selected["image"].startswith("data:image/png;base64,")
    preview = explore(explorer, action="preview", group="body", source=3).json()
    expected = shared_scorer().probe(mix(SCENES[1], SCENES[3], "body"))
    assert preview["score"] == pytest.approx(expected.score, abs=1e-4)
    mixed = explore(explorer, action="mix", group="body", source=3).json()
    assert mixed["score"] == preview["score"] and mixed["cached"]
    assert mixed["history"] == ["mix body from scene 4"] and mixed["can_undo"]
    explore(explorer, action="interpolate", group="scene", source=0, t=0.5)
    undone = explore(explorer, action="undo").json()
    assert undone["score"] == mixed["score"] and undone["history"] == ["mix body from scene 4"]
    rows = list(ExplorerAction.objects.filter(participant=explorer.participant))
    assert [r.action for r in rows] == ["select", "preview", "mix", "interpolate", "undo"]
    assert rows[0].client_ms == 1763856000000 and rows[0].selected == 1
    assert rows[3].group == "scene" and rows[3].source == 0 and rows[3].t == 0.5
    assert rows[2].scene == mix(SCENES[1], SCENES[3], "body")
    state = Participant.objects.get(pk=explorer.participant.pk).state[rows[0].step]
    assert state["current"] == rows[2].scene


def test_bad_stale_and_foreign_requests_are_refused(explorer):
    answer = explore(explorer, action="mix", group="wings", source=1)
    assert answer.status_code == 400 and "unknown factor group 'wings'" in answer.json()["error"]
    answer = explore(explorer, action="mix", group="body", source=1)
    assert answer.status_code == 400 and answer.json()["error"] == "select a scene before 'mix'"
    form = dict(FIELD.findall(explorer.last.content.decode()))
    explorer.get()  # a reload: the old page's nonce is stale
    stale = explorer.client.post(reverse("studies:explore", args=[explorer.study.slug]),
                                 {"step": form["step"], "nonce": form["nonce"],
                                  "action": "select", "index": "0",
                                  "csrfmiddlewaretoken": form["csrfmiddlewaretoken"]})
    assert stale.status_code == 409
    stranger = Client().post(reverse("studies:explore", args=[explorer.study.slug]),
                             {"action": "select", "index": "0"})
    assert stranger.status_code == 403
    assert not ExplorerAction.objects.exists()


def test_the_session_is_rate_limited(explorer, clock):
    explore(explorer, action="select", index=0)
    for _ in range(limits.PROBES_PER_WINDOW - 1):
        assert explore(explorer, action="preview", group="scene", source=2).status_code == 200
    refused = explore(explorer, action="preview", group="scene", source=2)
    assert refused.status_code == 429 and refused["Retry-After"] == str(limits.WINDOW_S)
    assert ExplorerAction.objects.count() == limits.PROBES_PER_WINDOW
    clock.advance(limits.WINDOW_S + 1)
    assert explore(explorer, action="preview", group="scene", source=2).status_code == 200
    other = Bot(explorer.study, clock)  # another session is not limited by this one's
    other.enter()
    other.get()
    assert explore(other, action="select", index=0).status_code == 200


def test_actions_export_as_tidy_rows_and_summaries(explorer, clock):
    explore(explorer, action="select", index=2)
    explore(explorer, action="preview", group="body", source=0)
    explore(explorer, action="preview", group="appearance", source=1, t=0.3)
    explore(explorer, action="mix", group="body", source=0)
    explore(explorer, action="reset")
    actions = explorer_actions(explorer.study)
    assert list(actions["action"]) == ["select", "preview", "preview", "mix", "reset"]
    assert list(actions["seq"]) == [1, 2, 3, 4, 5]
    assert actions.loc[2, "t"] == 0.3 and actions.loc[2, "group"] == "appearance"
    assert actions.loc[0, "scene_legs_position"] == SCENES[2]["legs_position"]
    summary = explorer_summaries(actions).iloc[0]
    assert summary["actions"] == 5 and summary["n_preview"] == 2 and summary["n_reset"] == 1
    assert summary["probes_body"] == 2 and summary["probes_appearance"] == 1
    assert summary["probes_scene"] == 0 and summary["scenes_selected"] == 1
    assert summary["explore_s"] >= 0
