"""View ``studies:explore`` (/s/<study>/explore/): the explorer's actions, answered with the
scored picture, logged one row each, refused when bad, stale, off the explorer step or too
many, and exported."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from explainers.explorer import mix, sampled_scenes, shared_scorer
from studies.explorer import limits
from studies.exports import explorer_actions, explorer_summaries
from studies.loading import load_study
from studies.models import ExplorerAction, Participant
from tests.bots import FIELD, Bot
from tests.fixtures.explorer_study import write_explorer_study

pytestmark = pytest.mark.django_db
SCENES = sampled_scenes(sampler="study", seed=7, count=4)  # the fixture study's scenes


@pytest.fixture
def explorer_study(tmp_path, settings, db, clock):
    settings.PROLIFIC_COMPLETE_URL = "https://app.prolific.com/submissions/complete?cc="
    study, _ = load_study(write_explorer_study(tmp_path))
    return study


def on_explorer(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.post({"consent": "agree"})
    bot.get()
    assert bot.current_step().id == "explore"
    return bot


@pytest.fixture
def explorer(explorer_study, clock):
    return on_explorer(explorer_study, clock)


def explore(bot, **fields):
    form = dict(FIELD.findall(bot.last.content.decode()))
    return bot.client.post(reverse("studies:explore", args=[bot.study.slug]),
                           {"step": form["step"], "nonce": form["nonce"],
                            "csrfmiddlewaretoken": form["csrfmiddlewaretoken"],
                            **{k: str(v) for k, v in fields.items()}})


def picture_size(answer) -> tuple[int, int]:
    import base64
    import io

    from PIL import Image

    data = base64.b64decode(answer["image"].removeprefix("data:image/png;base64,"))
    return Image.open(io.BytesIO(data)).size


def test_actions_answer_the_scored_scene_and_are_logged(explorer):
    selected = explore(explorer, action="select", index=1, t_client=1763856000000).json()
    assert selected["ok"] and selected["selected"] == 1 and selected["history"] == []
    assert selected["score"] == pytest.approx(shared_scorer().probe(SCENES[1]).score, abs=1e-4)
    assert selected["image"].startswith("data:image/png;base64,")
    preview = explore(explorer, action="preview", group="body", source=3).json()
    expected = shared_scorer().probe(mix(SCENES[1], SCENES[3], "body"))
    assert preview["score"] == pytest.approx(expected.score, abs=1e-4)
    mixed = explore(explorer, action="mix", group="body", source=3).json()
    # the preview's picture is the model's 64 px, the changed scene's 128 px; its score is the
    # preview's (the logit kept, not computed again)
    assert mixed["score"] == preview["score"]
    assert picture_size(preview) == (64, 64) and picture_size(mixed) == (128, 128)
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


def test_no_action_off_the_explorer_step(explorer_study, clock):
    bot = Bot(explorer_study, clock)
    bot.enter()
    bot.get()  # the consent page
    answer = explore(bot, action="select", index=0)
    assert answer.status_code == 400 and answer.json()["error"] == \
        "The current step is not an explorer."


def page_previews(bot, selected, n_scenes=4):
    """What the page asks after a state change: every group from every other scene, and one
    slider preview per group."""
    answers = []
    for group in ("body", "appearance", "scene"):
        for source in range(n_scenes):
            if source != selected:
                answers.append(explore(bot, action="preview", group=group, source=source))
        other = (selected + 1) % n_scenes
        answers.append(explore(bot, action="preview", group=group, source=other, t=0.5))
    return answers


def test_a_quick_participants_burst_with_every_preview_is_let_through(explorer):
    # select, mix, interpolate, undo and reset at machine speed (the clock stands still), each
    # followed by all the previews the page asks, plus three slider drags: 68 requests
    answers = []
    for change in ({"action": "select", "index": 0},
                   {"action": "mix", "group": "body", "source": 1},
                   {"action": "interpolate", "group": "scene", "source": 2, "t": 0.5},
                   {"action": "undo"}, {"action": "reset"}):
        answers.append(explore(explorer, **change))
        answers += page_previews(explorer, selected=0)
    answers += [explore(explorer, action="preview", group="body", source=2, t=t)
                for t in (0.2, 0.4, 0.6)]
    assert len(answers) == 68 and [a.status_code for a in answers] == [200] * 68
    # what it cost: 5 changes + 63 previews at 1/12 each (4 scenes x 3 groups) = 10.25 of 12
    assert limits.previews_per_action(4) == 12
    assert ExplorerAction.objects.count() == 68


def test_a_script_repeating_previews_or_changes_is_refused(explorer, clock):
    assert explore(explorer, action="select", index=0).status_code == 200
    answered = 1
    while (r := explore(explorer, action="preview", group="scene", source=2)).status_code == 200:
        answered += 1
        assert answered < 1000
    # independently: 1 change + n previews of 1/12 each may not pass 12 actions, nor 160 requests
    expected = 1 + min(int((limits.ACTIONS_PER_WINDOW - 1) * 12), limits.REQUESTS_PER_WINDOW - 1)
    assert answered == expected == 133
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= limits.WINDOW_S
    assert ExplorerAction.objects.count() == answered  # refused requests are not logged
    clock.advance(limits.WINDOW_S + 1)
    assert explore(explorer, action="preview", group="scene", source=2).status_code == 200
    other = on_explorer(explorer.study, clock)  # another session: not limited by this one's
    changes = 0
    while explore(other, action="select", index=changes % 4).status_code == 200:
        changes += 1
        assert changes < 100
    assert changes == limits.ACTIONS_PER_WINDOW


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


def test_the_page_shows_the_scenes_sorted_by_score_and_a_bot_explores_then_answers(
        explorer_study, clock):
    bot = on_explorer(explorer_study, clock)
    html = bot.last.content.decode()
    scores = [shared_scorer().probe(s).score for s in SCENES]
    order = sorted(range(4), key=lambda i: -round(scores[i], 4))
    shown = [int(i) for i in re.findall(r'class="explorer-scene" data-index="(\d+)"', html)]
    assert shown == order
    assert "How relevant is the color of the animal for the system?" in html
    bot.play()
    assert bot.participant.status == "completed"
    kinds = list(ExplorerAction.objects.filter(participant=bot.participant)
                 .values_list("action", flat=True))
    assert set(kinds) == {"select", "preview", "mix", "interpolate", "undo", "reset"}
    answers = bot.participant.responses.filter(item_type="relevance")
    assert answers.count() == 5 and all(r.correct for r in answers)
    assert {r.extra["stimulus"] for r in answers} == {"explorer:study:7:4"}


def test_the_pages_previews_in_one_request_answer_and_log_as_one_by_one(explorer):
    explore(explorer, action="select", index=1)
    items = "body:0,body:2,appearance:3,scene:0:0.25,body:0"
    batch = explore(explorer, action="previews", items=items).json()
    assert batch["ok"] and batch["selected"] == 1 and len(batch["previews"]) == 5
    singles = [explore(explorer, action="preview", group="body", source=0),
               explore(explorer, action="preview", group="body", source=2),
               explore(explorer, action="preview", group="appearance", source=3),
               explore(explorer, action="preview", group="scene", source=0, t=0.25),
               explore(explorer, action="preview", group="body", source=0)]
    for many, one in zip(batch["previews"], (s.json() for s in singles), strict=True):
        assert many["score"] == one["score"] and many["image"] == one["image"]
        assert picture_size(many) == (64, 64)
        assert (many["group"], many["source"], many["t"]) == (one["group"], one["source"],
                                                              one["t"])
    assert batch["previews"][4]["cached"]  # asked twice in the batch: computed once
    rows = list(ExplorerAction.objects.filter(participant=explorer.participant))
    assert [r.action for r in rows] == ["select"] + ["preview"] * 10
    assert [(r.group, r.source, r.t) for r in rows[1:6]] == [
        ("body", 0, None), ("body", 2, None), ("appearance", 3, None), ("scene", 0, 0.25),
        ("body", 0, None)]
    assert rows[4].scene == rows[9].scene and all(r.selected == 1 for r in rows)


@pytest.mark.parametrize(("items", "message"), [
    ("wings:1", "unknown factor group 'wings'"),
    ("body:1,body", "items: preview 2 must be group:source or group:source:t"),
    ("body:4", "source must be a scene number from 0 to 3, got 4"),
    ("body:1:1.5", r"t = 1.5 is outside \[0, 1\]"),
    (",".join(["body:1"] * 13), "items: at most 12 previews per request, got 13"),
])
def test_bad_batches_are_refused_whole(explorer, items, message):
    explore(explorer, action="select", index=0)
    answer = explore(explorer, action="previews", items=items)
    assert answer.status_code == 400 and re.search(message, answer.json()["error"])
    assert ExplorerAction.objects.count() == 1  # the select only


def test_batched_previews_cost_what_they_cost_one_by_one(explorer):
    # 1 select + 11 batches of the page's 12 previews: 1 + 11 = 12 actions, the whole window
    assert explore(explorer, action="select", index=0).status_code == 200
    items = ",".join(f"{g}:{s}" for g in ("body", "appearance", "scene") for s in (1, 2, 3)) + \
        ",body:1:0.5,appearance:1:0.5,scene:1:0.5"
    codes = [explore(explorer, action="previews", items=items).status_code for _ in range(12)]
    assert codes == [200] * 11 + [429]
    assert ExplorerAction.objects.count() == 1 + 11 * 12


def test_the_starting_previews_are_warmed_and_pinned(explorer_study):
    from explainers.explorer import Scorer
    from explainers.explorer.inference import PREVIEW_SIZE
    from explainers.models import load_checkpoint
    from studies.explorer import session
    from studies.explorer.warm import warm

    scorer = Scorer(load_checkpoint(), cache_size=4)
    order = [2, 0, 3, 1]
    assert warm(scorer, SCENES, order, steps=1) == scorer.stats()["pinned"]
    for selected in order:
        state = {"selected": selected, "current": SCENES[selected]}
        items = session.page_previews(selected, order)
        assert [(i.group, i.source, i.t) for i in items[:4]] == [
            ("body", j, None) for j in order if j != selected] + [
            ("body", next(j for j in order if j != selected), 0.5)]
        action = session.Action(kind="previews", items=items)
        probes = scorer.probe_many(session.preview_scenes(state, SCENES, action),
                                   size=PREVIEW_SIZE)
        assert all(p.cached for p in probes)
    assert scorer.stats()["pinned"] >= 4 * 9  # distinct scenes (some previews coincide)


def test_a_worker_that_has_not_shown_the_page_warms_at_its_first_action(explorer):
    import threading

    from studies.explorer import warm

    step = explorer.current_step()
    key = warm._key(shared_scorer(), step)
    assert key in warm._STARTED  # the page started it
    for thread in threading.enumerate():
        if thread.name == "explorer-warm":
            thread.join(60)
    warm._STARTED.discard(key)  # as in a worker that has not shown the page
    started = []
    real = warm.warm_in_background
    warm.warm_in_background = lambda *a: started.append(a[3]) or real(*a)
    try:
        assert explore(explorer, action="select", index=1).json()["ok"]
        assert explore(explorer, action="select", index=2).json()["ok"]
    finally:
        warm.warm_in_background = real
    page_order = [int(i) for i in re.findall(r'class="explorer-scene" data-index="(\d+)"',
                                             explorer.last.content.decode())]
    assert started == [page_order] and key in warm._STARTED  # once, in the page's order
    for thread in threading.enumerate():
        if thread.name == "explorer-warm":
            thread.join(60)


def test_a_mix_of_mixes_and_its_previews_are_answered_from_the_warmed_cache(explorer):
    import threading

    from studies.explorer.warm import warm

    for thread in threading.enumerate():  # the page's own warm-up, if it still runs
        if thread.name == "explorer-warm":
            thread.join(60)
    scorer = shared_scorer()
    order = [2, 0, 3, 1]
    scorer.clear()
    warm(scorer, SCENES, order, steps=3)  # the closure (step 4, the starting sliders, not needed)
    misses = scorer.stats()["misses"]
    explore(explorer, action="select", index=1)
    items = ",".join(f"{g}:{s}" for g in ("body", "appearance", "scene") for s in (0, 2, 3))
    for group, source in (("body", 3), ("appearance", 0), ("scene", 2), ("appearance", 3)):
        assert explore(explorer, action="mix", group=group, source=source).json()["ok"]
        assert explore(explorer, action="previews", items=items).status_code == 200
    assert explore(explorer, action="undo").json()["ok"]
    assert explore(explorer, action="reset").json()["ok"]
    rows = ExplorerAction.objects.filter(participant=explorer.participant)
    assert rows.count() == 1 + 4 * (1 + 9) + 2
    assert not rows.filter(cached=False).exists() and scorer.stats()["misses"] == misses
    # an interpolation leaves the closure: its scene is computed
    explore(explorer, action="interpolate", group="body", source=0, t=0.35)
    assert not rows.get(action="interpolate").cached
    assert scorer.stats()["misses"] == misses + 1
