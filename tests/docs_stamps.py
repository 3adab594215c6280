"""The generated files in docs/ and what they were made from: docs/stamps.json.

Each target is a group of generated files (``outputs``), the recipe that makes them (one step
of ``bin/regenerate-docs``) and its ``inputs``, recorded by name -> hash when the files were
made. ``tests/test_docs_fresh.py`` recomputes the inputs from the current tree (no rendering)
and the outputs' hashes, and fails naming the target to regenerate when either differs:

- ``explainers``: docs/explainers/*.png and *.manifest.json; inputs are the stimulus keys the
  renderer plans for variant 0 of study 2's conditions (explainers.plan: explainer name and
  version, parameters, checkpoint bundle hash, validation data and generator code version,
  seed), so they are stale exactly when a study would be served other stimuli;
- ``generator``: docs/generator/*.png; inputs are the generator's code version and the script;
- ``analysis``: docs/analysis/ reports and CSVs; inputs are the recipe, the preregistrations and
  specs it reads (not the analysis code: a change there is not detected);
- ``screens``: docs/screens/ as test_browser_screens and test_browser_2afc (docs/screens/2afc/)
  write them; inputs are study 2's and Borowski Exp. I's specs and the screenshot recipes (not
  the templates: a change there is not detected);
- ``explorer-screens``: docs/screens/explorer-*.png; inputs are the explorer page's template,
  script and style, the session's history wording, the step type, the fixture study and the
  browser test that writes them;
- ``explainers-cnn``: docs/explainers/cnn/*.png and *.manifest.json; inputs are the stimulus
  keys planned for variant 0 of the CNN study's conditions and of :data:`CNN_EXTRA` (saliency,
  concepts) on checkpoints/cnn, as for ``explainers``;
- ``screens-cnn``: docs/screens/cnn-attributions/*.png as test_browser_cnn_attributions writes
  them; inputs are the CNN study's spec, the recipe and the keys of the stimuli they show.

    python -m tests.docs_stamps --write [TARGET ...]   # after regenerating (bin/regenerate-docs)
    python -m tests.docs_stamps                        # says which targets are stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STAMPS = REPO / "docs" / "stamps.json"
STUDY2 = "studies/specs/two4two-study2.yaml"
CNN_STUDY = "studies/specs/cnn-attributions.yaml"
# the conditions docs/explainers/cnn/ shows beside the CNN study's (bin/regenerate-docs adds
# them with benchmarks/render.py --condition)
CNN_EXTRA = ({"name": "saliency", "explainer": "saliency"},
             {"name": "concepts", "explainer": "concepts", "params": {"layer": "layer3"}})
EXPLORER_PAGE = (  # what the explorer's screenshots show: the page, its wording, the recipe
    "templates/studies/steps/explorer.html", "static/studies/explorer.js",
    "static/studies/explorer.css", "studies/explorer/session.py", "studies/steps/explorer.py",
    "tests/fixtures/explorer_study.py", "tests/browser/test_browser_explorer.py")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(*patterns: str) -> dict[str, str]:
    out = {}
    for pattern in patterns:
        for path in sorted(REPO.glob(pattern)):
            if path.is_file():
                out[str(path.relative_to(REPO))] = _sha(path)
    return out


def _explainer_keys() -> dict[str, str]:
    from explainers.plan import plan
    from studies.spec import load_spec_file

    spec = load_spec_file(REPO / STUDY2)
    checkpoint = REPO / spec.checkpoint
    first = [c for c in spec.conditions if c.rendered]
    jobs = plan(first, study_seed=spec.seed, checkpoint=checkpoint)
    return {f"{j.condition}/{j.variant}": j.key for j in jobs if j.variant == 0}


def _cnn_keys() -> dict[str, str]:
    import dataclasses

    from explainers.plan import plan
    from studies.spec import load_spec_file

    spec = load_spec_file(REPO / CNN_STUDY)
    conditions = [dataclasses.asdict(c) for c in spec.conditions if c.rendered]
    conditions += [{**c, "variants": [0]} for c in CNN_EXTRA]
    jobs = plan(conditions, study_seed=spec.seed, checkpoint=REPO / spec.checkpoint)
    return {f"{j.condition}/{j.variant}": j.key for j in jobs if j.variant == 0}


def _cnn_screen_inputs() -> dict[str, str]:
    shown = {c["name"] for c in CNN_EXTRA}
    keys = {k: v for k, v in _cnn_keys().items() if k.split("/")[0] not in shown}
    return {**_files(CNN_STUDY, "tests/browser/make_screens.py",
                     "tests/browser/test_browser_cnn_attributions.py"), **keys}


def _generator_inputs() -> dict[str, str]:
    from explainers.synthetic import code_version

    return {"explainers.synthetic.code_version": code_version(),
            **_files("benchmarks/contact_sheet.py")}


TARGETS = {
    "explainers": {
        "inputs": _explainer_keys,
        "outputs": ("docs/explainers/*.png", "docs/explainers/*.manifest.json"),
    },
    "generator": {
        "inputs": _generator_inputs,
        "outputs": ("docs/generator/*.png",),
    },
    "analysis": {
        "inputs": lambda: _files("docs/analysis/make_example.sh",  # and what it reads:
                                 "analysis/examples/two4two/study[12].yaml",
                                 "analysis/examples/borowski2021/experiment_I.yaml",
                                 "analysis/examples/borowski2021/experiment_II.yaml",
                                 STUDY2, "studies/specs/two4two-study1.yaml"),
        "outputs": ("docs/analysis/*.csv", "docs/analysis/report/*", "docs/analysis/study1/*",
                    "docs/analysis/power/*", "docs/analysis/borowski2021/**/*"),
    },
    "screens": {
        "inputs": lambda: _files(STUDY2, "tests/browser/make_screens.py",
                                 "tests/browser/test_browser_screens.py",
                                 "studies/specs/borowski-exp1.yaml",
                                 "tests/browser/test_browser_2afc.py"),
        # what test_browser_screens and test_browser_2afc write (the explorer's screenshots
        # have their own recipe)
        "outputs": ("docs/screens/[0-9]*.png", "docs/screens/researcher/*.png",
                    "docs/screens/2afc/*.png"),
    },
    "explorer-screens": {  # test_browser_explorer with XAI_WRITE_SCREENS=1
        "inputs": lambda: _files(*EXPLORER_PAGE),
        "outputs": ("docs/screens/explorer-*.png",),
    },
    "explainers-cnn": {
        "inputs": _cnn_keys,
        "outputs": ("docs/explainers/cnn/*.png", "docs/explainers/cnn/*.manifest.json"),
    },
    "screens-cnn": {  # test_browser_cnn_attributions with XAI_WRITE_SCREENS=1
        "inputs": _cnn_screen_inputs,
        "outputs": ("docs/screens/cnn-attributions/*.png",),
    },
}


def current(name: str) -> dict:
    target = TARGETS[name]
    return {"inputs": target["inputs"](), "outputs": _files(*target["outputs"])}


def recorded() -> dict:
    return json.loads(STAMPS.read_text()) if STAMPS.is_file() else {}


def differences(name: str) -> list[str]:
    """What differs between the stamp of ``name`` and the tree ([] when fresh)."""
    stamp, now = recorded().get(name), current(name)
    if stamp is None:
        return [f"{name} has no stamp in docs/stamps.json"]
    out = []
    for part in ("inputs", "outputs"):
        old, new = stamp[part], now[part]
        for item in sorted(set(old) | set(new)):
            if old.get(item) != new.get(item):
                what = ("new" if item not in old else "gone" if item not in new else "changed")
                out.append(f"{part} {item}: {what}")
    return out


def write(names) -> None:
    stamps = recorded()
    for name in names:
        stamps[name] = current(name)
    STAMPS.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Stamp or check docs/' generated files.")
    parser.add_argument("targets", nargs="*", help=f"default: all of {', '.join(TARGETS)}")
    parser.add_argument("--write", action="store_true", help="record the current state")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target(s) {unknown}; known: {', '.join(TARGETS)}")
    args.targets = args.targets or list(TARGETS)
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyserver.settings")
    import django

    django.setup()
    if args.write:
        write(args.targets)
        return 0
    stale = {name: differences(name) for name in args.targets}
    for name, found in stale.items():
        print(f"{name}: {'fresh' if not found else 'STALE'}")
        for line in found:
            print(f"  {line}")
    return 1 if any(stale.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
