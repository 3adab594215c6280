"""load_study refuses conditions that cannot work, naming the key and its line.

Each condition is checked against the study's model bundle (``checkpoint``, read with its model
plugin's metadata; no weights are loaded) by :func:`explainers.plugins.needs.condition_problems`:
an unknown explainer, an unknown or mistyped parameter, a ``layer`` the model does not have, or
a model lacking what the explainer needs (Grad-CAM on a model without convolutional layers, the
INN counterfactuals on a non-invertible CNN). Where the bundle folder does not exist (a study
server that does not hold the model; readiness reports it), only explainer names and parameters
are checked. Only studies that show explanations (``studies.stimuli.shows_explanations``: a
``stimulus_questions`` step, or trials naming a condition's cells) render them, and only for
the conditions whose explanation is shown (``shown_conditions``: an interactive explorer
condition shows none and needs no explainer); conditions with a fixed ``stimulus_key`` are
served as published and not checked.

2AFC blocks drawn from the spec's image folder are drawn here (``_folder_blocks``). The spec's
image source (``images``) is built here, so that a missing folder or labels file, a
bad value or a bad CSV row is refused with the option's key and line (and the CSV's row
number); an explainer that needs a generator is refused on a source that is not one.
"""

from __future__ import annotations

from explainers.image_sources import ImageSourceError, image_source
from explainers.models.model_plugin import BundleError
from explainers.models.model_registry import describe_bundle
from explainers.plugins.needs import condition_problems

from .spec import StudySpec
from .spec.errors import SpecError
from .spec.loader import line_of, load_yaml
from .stimuli import checkpoint_path, image_options, shown_conditions, shows_explanations


def check_conditions(spec: StudySpec, text: str, source: str = "") -> None:
    """Raise :class:`SpecError` listing every condition that cannot be rendered."""
    tree = load_yaml(text)
    _unshown_explainers(spec, tree, source)
    _folder_blocks(spec, tree, source)
    _choice_steps(spec, tree, source)
    if not shows_explanations(spec) and spec.images is None:
        return
    folder = checkpoint_path(spec)
    model = None  # a server without the bundle checks names and parameters (readiness says more)
    if folder.exists():
        try:
            model = describe_bundle(folder)
        except BundleError as exc:  # UnknownModelPlugin too
            raise SpecError([("checkpoint", line_of(tree, "checkpoint"), str(exc))],
                            source) from None
    offers = _source_offers(spec, tree, model, source)
    if not shows_explanations(spec):
        return
    nodes = tree.get("conditions") or []
    problems = []
    shown = shown_conditions(spec)
    for i, (condition, node) in enumerate(zip(spec.conditions, nodes, strict=True)):
        if condition.stimulus_key or condition.name not in shown:
            continue  # served as published, or no step shows this condition's explanation
        if not condition.explainer:
            problems.append((f"conditions[{i}].explainer", line_of(node, "name"),
                             "required: a step shows this condition's explanation"))
            continue
        for key, message in condition_problems(condition.explainer, condition.params, model,
                                               source_offers=offers):
            head, _, param = key.partition(".")
            params_node = node.get("params") or {}
            line = line_of(params_node, param) if param else line_of(node, head)
            problems.append((f"conditions[{i}].{key}", line, message))
    if problems:
        raise SpecError(problems, source)


def _unshown_explainers(spec: StudySpec, tree, source: str) -> None:
    """A condition whose explanation no step shows renders nothing, but the explainer it names
    must still exist (or be ``none``): a typo would otherwise pass until a step shows it."""
    from explainers.conditions import NO_EXPLAINER
    from explainers.plugins.registry import available

    shown, known = shown_conditions(spec), available()
    problems = []
    for i, (condition, node) in enumerate(zip(spec.conditions, tree.get("conditions") or [],
                                              strict=True)):
        if (condition.stimulus_key or condition.name in shown
                or condition.explainer in ("", NO_EXPLAINER) or condition.explainer in known):
            continue
        problems.append((f"conditions[{i}].explainer", line_of(node, "explainer"),
                         f"unknown explainer {condition.explainer!r} (installed: "
                         f"{', '.join(sorted(known))}; or {NO_EXPLAINER!r} for a condition that "
                         f"shows no explanation)"))
    if problems:
        raise SpecError(problems, source)


def _folder_blocks(spec: StudySpec, tree, source: str) -> None:
    """Every 2AFC block drawn from the image folder (``generate: {source: image_folder}``) is
    drawn now: no image folder, a missing CSV column, an unknown value, an empty cell (its CSV
    row) or too few images per side is refused with ``steps[i].generate.KEY`` and its line."""
    from explainers.image_sources import ImageSourceError

    from .folder_trials import FolderTrialError, draw

    problems = []
    steps = tree.get("steps") or []
    blocks = []  # (path, generate node, step): each step, and each condition's version of it
    for i, step in enumerate(spec.steps):
        node = steps[i] if i < len(steps) else {}
        blocks.append((f"steps[{i}]", node.get("generate") or {}, step))
        for cond, variant in spec.overrides.get(step.id, {}).items():
            override = (node.get("by_condition") or {}).get(cond) or {}
            blocks.append((f"steps[{i}].by_condition.{cond}",
                           override.get("generate") or node.get("generate") or {}, variant))
    for path, node, step in blocks:
        if (getattr(step, "generate", None) or {}).get("source") != "image_folder":
            continue
        try:
            draw(spec, step)
        except FolderTrialError as exc:
            problems.append((f"{path}.generate.{exc.key}", line_of(node, exc.key), str(exc)))
        except ImageSourceError as exc:
            key = f"images.{exc.key}" if exc.key else "images"
            problems.append((key, line_of(tree.get("images") or {}, exc.key)
                             if exc.key else line_of(tree, "images"), str(exc)))
    if problems:
        raise SpecError(problems, source)


def _choice_steps(spec: StudySpec, tree, source: str) -> None:
    """Every ``image_choice`` step's images are drawn now (``studies.image_choice``): no image
    folder, a key that is neither ``label``, ``model`` nor a CSV column, an empty cell (its CSV
    row), ``key: model`` without a model bundle, a choice that is not a value of the key or an
    image whose key is not among the choices is refused with ``steps[i].KEY`` and its line."""
    from .folder_trials import FolderTrialError
    from .image_choice import choices_problem

    problems = []
    steps = tree.get("steps") or []
    for i, step in enumerate(spec.steps):
        node = steps[i] if i < len(steps) else {}
        versions = [(f"steps[{i}]", node, step)]
        for cond, variant in spec.overrides.get(step.id, {}).items():
            versions.append((f"steps[{i}].by_condition.{cond}",
                             (node.get("by_condition") or {}).get(cond) or {}, variant))
        for path, own, version in versions:
            if not getattr(version, "choice_generate", None):
                continue

            def holder(key, own=own, node=node):  # where the key is written (condition, step)
                return own if key in own else node

            generate = holder("generate").get("generate") or {}
            try:
                found = choices_problem(spec, version)
            except FolderTrialError as exc:
                problems.append((f"{path}.generate.{exc.key}", line_of(generate, exc.key),
                                 str(exc)))
                continue
            except ImageSourceError as exc:
                key = f"images.{exc.key}" if exc.key else "images"
                problems.append((key, line_of(tree.get("images") or {}, exc.key)
                                 if exc.key else line_of(tree, "images"), str(exc)))
                continue
            if found:
                key, message = found
                head, _, sub = key.partition(".")
                line = line_of(generate, sub) if sub else line_of(holder(head), head)
                problems.append((f"{path}.{key}", line, message))
    if problems:
        raise SpecError(problems, source)


def _source_offers(spec: StudySpec, tree, model, source: str) -> frozenset[str]:
    """What the spec's image source offers (``generator``); raises SpecError for a source that
    cannot be built, naming ``images.KEY`` and its line."""
    options = image_options(spec)
    names = options["class_names"] or (model.class_names if model else None)
    try:
        found = image_source(options["images"], size=model.image_size if model else None,
                             base=options["base"], class_names=names)
    except ImageSourceError as exc:
        node = tree.get("images") or {}
        key = f"images.{exc.key}" if exc.key else "images"
        line = line_of(node, exc.key) if exc.key else line_of(tree, "images")
        raise SpecError([(key, line, str(exc))], source) from None
    return found.offers
