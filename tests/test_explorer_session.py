"""The explorer session's state machine: actions are parsed strictly, previews change nothing,
mix/interpolate/reset/undo move the current scene and keep a bounded history."""

import pytest

from explainers.explorer import ExplorerError, interpolate, mix, sampled_scenes
from studies.explorer import session

SCENES = sampled_scenes(sampler="study", seed=21, count=4)


def act(state, **data):
    return session.apply(state, SCENES, session.parse({k: str(v) for k, v in data.items()},
                                                      len(SCENES)))


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "fly"}, "unknown action 'fly'; actions are select, preview, mix"),
    ({"action": "select"}, "action 'select' needs 'index'"),
    ({"action": "select", "index": "4"}, "index must be a scene number from 0 to 3, got 4"),
    ({"action": "select", "index": "-1"}, "index must be a scene number from 0 to 3, got -1"),
    ({"action": "mix", "group": "wings", "source": "1"}, "unknown factor group 'wings'"),
    ({"action": "interpolate", "group": "body", "source": "1", "t": "2"}, r"t = 2.0 is outside \[0, 1\]"),
    ({"action": "interpolate", "group": "body", "source": "1", "t": "x"}, "t must be a number"),
    ({"action": "interpolate", "group": "body", "source": "1"}, "needs 't'"),
])
def test_bad_actions_are_refused_with_the_reason(data, message):
    with pytest.raises(ExplorerError, match=message):
        session.parse(data, len(SCENES))


def test_nothing_but_select_works_before_a_selection():
    for data in ({"action": "mix", "group": "body", "source": 1},
                 {"action": "preview", "group": "body", "source": 1}, {"action": "reset"}):
        with pytest.raises(ExplorerError, match="select a scene before"):
            act({}, **data)
    with pytest.raises(ExplorerError, match="nothing to undo"):
        act({}, action="undo")


def test_select_preview_mix_interpolate_reset_undo():
    state = {}
    assert act(state, action="select", index=2) == SCENES[2]
    preview = act(state, action="preview", group="body", source=0)
    assert preview == mix(SCENES[2], SCENES[0], "body") and state["current"] == SCENES[2]
    assert act(state, action="preview", group="scene", source=1, t=0.25) == \
        interpolate(SCENES[2], SCENES[1], "scene", 0.25)
    assert act(state, action="mix", group="body", source=0) == preview
    halfway = interpolate(preview, SCENES[3], "appearance", 0.5)
    assert act(state, action="interpolate", group="appearance", source=3, t=0.5) == halfway
    assert session.short_history(state) == [
        "interpolate appearance towards scene 4 at 0.5", "mix body from scene 1"]
    assert act(state, action="reset") == SCENES[2]
    assert act(state, action="undo") == halfway
    assert act(state, action="undo") == preview
    assert act(state, action="select", index=1) == SCENES[1] and state["selected"] == 1
    assert act(state, action="undo") == preview and state["selected"] == 2


def test_history_is_bounded():
    state = {}
    act(state, action="select", index=0)
    for i in range(session.HISTORY + 5):
        act(state, action="mix", group="body", source=1 + i % 3)
    assert len(state["history"]) == session.HISTORY
    assert len(session.short_history(state)) == 8
