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
* ``previews items``: several previews in one request (what the page asks after every change:
  each group from every other scene and each group's slider), ``items`` a comma-separated list
  of ``group:source`` or ``group:source:t``, at most ``groups x scenes``; computed in one batched
  pass and logged as one ``preview`` row each;
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
    "previews": ("items",),
}
OPTIONAL = {("preview", "t")}


@dataclass(frozen=True)
class Action:
    kind: str
    index: int | None = None
    group: str = ""
    source: int | None = None
    t: float | None = None
    items: tuple[Action, ...] = ()  # the previews of a ``previews`` action

    @property
    def changes_state(self) -> bool:
        return self.kind not in ("preview", "previews")

    @property
    def previews(self) -> int:
        """How many previews the action asks for (0 for a state change)."""
        return len(self.items) if self.kind == "previews" else int(self.kind == "preview")


def _index(name: str, raw, n_scenes: int) -> int:
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < n_scenes:
        raise ExplorerError(f"{name} must be a scene number from 0 to {n_scenes - 1}, got {raw!r}")
    return raw


def _group(raw) -> str:
    if raw not in FACTOR_GROUPS:
        raise ExplorerError(f"unknown factor group {raw!r}; groups are {', '.join(FACTOR_GROUPS)}")
    return raw


def _t(raw) -> float:
    try:
        number = float(raw)
    except ValueError:
        raise ExplorerError(f"t must be a number in [0, 1], got {raw!r}") from None
    return check_t(number)


def max_previews(n_scenes: int) -> int:
    """The most previews one ``previews`` action may ask: every group from every other scene
    plus one slider preview per group."""
    return len(FACTOR_GROUPS) * n_scenes


def _items(raw: str, n_scenes: int) -> tuple[Action, ...]:
    parts = raw.split(",")
    if len(parts) > max_previews(n_scenes):
        raise ExplorerError(f"items: at most {max_previews(n_scenes)} previews per request, "
                            f"got {len(parts)}")
    out = []
    for number, part in enumerate(parts, 1):
        fields = part.strip().split(":")
        if len(fields) not in (2, 3):
            raise ExplorerError(f"items: preview {number} must be group:source or "
                                f"group:source:t, got {part!r}")
        t = _t(fields[2]) if len(fields) == 3 else None
        out.append(Action(kind="preview", group=_group(fields[0]),
                          source=_index("source", fields[1], n_scenes), t=t))
    return tuple(out)


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
            fields[name] = _group(raw)
        elif name == "items":
            fields[name] = _items(raw, n_scenes)
        else:
            fields[name] = _t(raw)
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
    if action.kind == "previews":
        raise ExplorerError("a 'previews' action shows several scenes: use preview_scenes")
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


SLIDER_T = 0.5  # the slider's starting position (templates/studies/steps/explorer.html)


def page_previews(selected: int, order: list[int]) -> tuple[Action, ...]:
    """The previews the page (static/studies/explorer.js) asks after a change while its sliders
    are where they start: for every group, the group from every other scene (in the gallery's
    ``order``), then the group's slider at ``SLIDER_T`` towards the first other scene."""
    others = [i for i in order if i != selected]
    out = []
    for group in FACTOR_GROUPS:
        out += [Action(kind="preview", group=group, source=j) for j in others]
        out.append(Action(kind="preview", group=group, source=others[0], t=SLIDER_T))
    return tuple(out)


def preview_scenes(state: dict, scenes: list[dict], action: Action) -> list[dict]:
    """The scenes of a ``previews`` action's items, in order (the state is not changed)."""
    return [_edited(state, scenes, item) for item in action.items]


def short_history(state: dict, n: int = 8) -> list[str]:
    """What the last ``n`` changes were, newest first (for the page)."""
    return [h["did"] for h in reversed(state.get("history", [])[-n:])]
