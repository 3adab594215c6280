"""The intuitiveness step (studies/steps/intuitiveness.py) as the shipped Borowski specs use it:
the units it rates, before or after the block it names, its errors with key and line, and the
readiness check that its units are channels of the model and no trial units of the block.
Pages, access, rendering, export and analysis: tests/test_spec_borowski.py (bot walks of Exp. I
and II); the browser: tests/browser/test_browser_2afc.py."""

import re
from pathlib import Path

import pytest

from studies.spec import SpecError, load_spec_file, parse_spec
from studies.trial_lists import trial_jobs
from studies.unit_trials import rating_images, rating_problems

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "studies" / "specs"
UNITS = 'units: ["layer1:10", "layer2:1", "layer3:0"]'


def test_exp_one_rates_three_units_before_and_exp_two_before_and_after():
    one, two = (load_spec_file(SPECS / f"borowski-exp{n}.yaml") for n in (1, 2))
    rated = {name: [(s.id, s.when, s.units) for s in spec.steps if s.type == "intuitiveness"]
             for name, spec in (("one", one), ("two", two))}
    units = [("layer1", 10), ("layer2", 1), ("layer3", 0)]  # a low, middle and high layer
    assert rated["one"] == [("intuitive-before", "before", units)]
    assert rated["two"] == [("intuitive-before", "before", units),
                            ("intuitive-after", "after", units)]
    step = one.steps[one.index_of("intuitive-before")]
    assert one.index_of("intuitive-before") < one.index_of("trials")
    assert (step.min, step.max, step.start, step.require_move) == (-100, 100, 0, True)
    images = rating_images(one, step, ("layer2", 1))
    # only maximally activating images: synthetic row 0, natural batch 0's references
    assert [(i.row, i.col) for i in images["synthetic"]] == [(0, k) for k in range(9)]
    assert [(i.row, i.col) for i in images["natural"]] == [(0, k) for k in range(1, 10)]
    jobs = trial_jobs(one, step)
    assert sorted(j.kind for j in jobs) == ["unit_natural"] * 3 + ["unit_synthetic"] * 3
    assert {i.key for refs in images.values() for i in refs} <= {j.key for j in jobs}


@pytest.mark.parametrize("name", ["borowski-exp1", "borowski-exp2"])
def test_the_shipped_units_are_channels_and_no_trial_units(name):
    spec = load_spec_file(SPECS / f"{name}.yaml")
    for step in (s for s in spec.steps if s.type == "intuitiveness"):
        assert rating_problems(spec, step) == []


def test_a_unit_that_is_a_drawn_trial_unit_or_no_channel_is_not_ready():
    text = (SPECS / "borowski-exp1.yaml").read_text()
    # layer1:0 is a drawn main unit of Exp. I, layer2:99 no channel of the CNN
    spec = parse_spec(text.replace(UNITS, 'units: ["layer1:0", "layer2:99"]'))
    found = rating_problems(spec, spec.steps[spec.index_of("intuitive-before")])
    assert any("layer2:99 is not a channel" in p for p in found)
    assert any("layer1:0 are also trial units of block 'trials'" in p for p in found)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    block: trials", "    block: strategy",
     r"steps\[3\]: block: 'strategy' is not a trial block with 'generate.*\(line \d+\)"),
    ("    block: trials", "    block: nowhere", r"'nowhere' is not a trial block"),
    (UNITS, 'units: ["layer3:1"]', r"layer3:1 are hand-picked trial units of block 'trials'"),
    (UNITS, 'units: ["layer3-1"]', r"units.*item 0 'layer3-1' is not 'layer:channel'"),
    (UNITS, 'units: ["layer3:5", "layer3:5"]', r"units.*'layer3:5' is listed twice"),
    (UNITS, "units: []", r"units.*name at least one unit"),
    (UNITS, UNITS + "\n    show: [synthetic, painted]", r"show.*'painted' is not an image type"),
    (UNITS, UNITS + "\n    images: [a.png]", r"images.*is not a key of an intuitiveness step"),
    (UNITS, UNITS + "\n    order: random", r"order.*unknown key"),
    ("    anchors: {-100: Not intuitive, 100: Intuitive}", "    anchors: {-200: Never}",
     r"anchors.*-200.*outside min\.\.max"),
])
def test_errors_name_the_key_and_line(old, new, message):
    text = (SPECS / "borowski-exp1.yaml").read_text()
    assert old in text
    with pytest.raises(SpecError) as exc:
        parse_spec(text.replace(old, new, 1))
    assert re.search(message, str(exc.value)) and "line" in str(exc.value), str(exc.value)


@pytest.mark.parametrize("name", ["borowski-exp1", "borowski-exp2"])
def test_lay_participants_rate_the_same_images_in_the_papers_lay_words(name):
    """by_group.lay on the rating steps (A.1.1: "favorite images" of a computer program): only
    the wording differs; the lay version links to the same block, before or after it alike, so
    it shows the same images (a version that was not linked had no block settings)."""
    spec = load_spec_file(SPECS / f"{name}.yaml")
    for step in (s for s in spec.steps if s.type == "intuitiveness"):
        i = spec.index_of(step.id)
        lay, expert = spec.step(i, "images", "lay"), spec.step(i, "images", "expert")
        assert expert is step and lay is not step
        assert lay.image_labels == ["Optimized favorite images", "Natural favorite images"]
        assert step.image_labels == ["Optimized images", "Natural images"]
        assert "favorite images" in lay.question and "favorite" not in step.question
        assert "favorite" in lay.intro and "favorite" not in step.intro
        assert (lay.when, lay.block_generate, lay.units, lay.show, lay.anchors) == \
            (step.when, step.block_generate, step.units, step.show, step.anchors)
        for unit in step.units:
            assert rating_images(spec, lay, unit) == rating_images(spec, step, unit)


def test_a_problem_of_the_rated_block_is_reported_once_not_per_group():
    text = (SPECS / "borowski-exp1.yaml").read_text()
    with pytest.raises(SpecError) as exc:
        parse_spec(text.replace("    block: trials", "    block: strategy", 1))
    assert str(exc.value).count("'strategy' is not a trial block") == 1, str(exc.value)
