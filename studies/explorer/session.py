"""One participant's explorer session as a small state machine over the step's scratch state.

The server owns the state: the client names an action and indices into the step's scenes,
never scene parameters, so everything a participant sees is a scene of the step's set or a
mix/interpolation of their factor groups, and the log says exactly which.

State (``ctx.state`` of the explorer step)::

    {"selected": 2, "current": {...ten factors...}, "history": [{"selected": .., "current": ..,
     "did": "mix body from 4"}, ...]}

Actions (``parse`` checks every field; unknown actions, fields or values are refused):

* ``select index``: the scene ``index`` becomes the selected and current scene;
* ``preview group source [t]``: the current scene with ``group`` taken from scene ``source``
  (or moved a fraction ``t`` towards it); changes nothing;
* ``mix group source`` / ``interpolate group source t``: that preview becomes the current scene;
* ``reset``: back to the selected scene as it was; ``undo``: back one change.
"""

from __future__ import annotations

from dataclasses import dataclass

from explainers.explorer import FACTOR_GROUPS, ExplorerError, interpolate
from explainers.explorer.scenes import check_t

HISTORY = 20  # changes kept for undo
ACTIONS = {
    "select": ("index",),
    "preview": ("group", "source", "t"),
    "mix": ("group", "source"),
    "interpolate": ("group", "source", "t"),
    "reset": (),
    "undo": (),
}
OPTIONAL = {("preview", "t")}


@dataclass(frozen=True)
class Action:
    kind: str
    index: int | None = None
    group: str = ""
    source: int | None = None
    t: float | None = None

    @property
    def changes_state(self) -> bool:
        return self.kind != "preview"


def _index(name: str, raw, n_scenes: int) -> int:
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < n_scenes:
        raise ExplorerError(f"{name} must be a scene number from 0 to {n_scenes - 1}, got {raw!r}")
    return raw


def parse(data, n_scenes: int) -> Action:
    """The action named in ``data`` (a mapping of strings, e.g. request.POST)."""
    kind = data.get("action", "")
    if kind not in ACTIONS:
        raise ExplorerError(f"unknown action {kind!r}; actions are {', '.join(ACTIONS)}")
    fields = {}
    for name in ACTIONS[kind]:
        raw = data.get(name)
        if raw in (None, "") and (kind, name) in OPTIONAL:
            continue
        if raw in (None, ""):
            raise ExplorerError(f"action {kind!r} needs {name!r}")
        if name in ("index", "source"):
            fields[name] = _index(name, raw, n_scenes)
        elif name == "group":
            if raw not in FACTOR_GROUPS:
                raise ExplorerError(f"unknown factor group {raw!r}; groups are "
                                    f"{', '.join(FACTOR_GROUPS)}")
            fields[name] = raw
        else:
            try:
                number = float(raw)
            except ValueError:
                raise ExplorerError(f"t must be a number in [0, 1], got {raw!r}") from None
            fields[name] = check_t(number)
    return Action(kind=kind, **fields)


def _needs_selection(state: dict, action: Action) -> dict:
    if state.get("current") is None:
        raise ExplorerError(f"select a scene before '{action.kind}'")
    return state["current"]


def _edited(state: dict, scenes: list[dict], action: Action) -> dict:
    t = 1.0 if action.t is None else action.t
    return interpolate(_needs_selection(state, action), scenes[action.source], action.group, t)


def _describe(action: Action) -> str:
    """The history line (scenes numbered from 1, as the page shows them)."""
    if action.kind == "select":
        return f"select scene {action.index + 1}"
    if action.kind == "mix":
        return f"mix {action.group} from scene {action.source + 1}"
    if action.kind == "interpolate":
        return f"interpolate {action.group} towards scene {action.source + 1} at {action.t:g}"
    return action.kind


def apply(state: dict, scenes: list[dict], action: Action) -> dict:
    """The scene the action shows; updates ``state`` in place for state-changing actions.
    Raises ExplorerError for an action that does not fit the state (nothing selected, nothing
    to undo)."""
    if action.kind == "preview":
        return _edited(state, scenes, action)
    history = state.setdefault("history", [])
    before = {"selected": state.get("selected"), "current": state.get("current")}
    if action.kind == "undo":
        if not history:
            raise ExplorerError("nothing to undo")
        last = history.pop()
        state["selected"], state["current"] = last["selected"], last["current"]
        return state["current"]
    if action.kind == "select":
        new_selected, new = action.index, dict(scenes[action.index])
    elif action.kind == "reset":
        _needs_selection(state, action)
        new_selected, new = state["selected"], dict(scenes[state["selected"]])
    else:
        new = _edited(state, scenes, action)
        new_selected = state["selected"]
    if before["current"] is not None:  # the first selection is not undone (nothing to show)
        history.append({**before, "did": _describe(action)})
        del history[:-HISTORY]
    state["selected"], state["current"] = new_selected, new
    return new


def short_history(state: dict, n: int = 8) -> list[str]:
    """What the last ``n`` changes were, newest first (for the page)."""
    return [h["did"] for h in reversed(state.get("history", [])[-n:])]
