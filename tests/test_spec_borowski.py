"""Borowski et al.'s Experiment I as shipped (studies/specs/borowski-exp1.yaml), hosted: the
spec is read as shipped, then the same design at a tiny configuration (a tiny CNN bundle, 2
optimisation steps, 16 px, 3 batches, 5 units) is rendered through the one pipeline
(render_stimuli), walked by bots through the live flow, exported by the export command and
analysed by the shipped plan (analysis/examples/borowski2021/exp1_cnn_units.yaml)."""

import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pingouin
import pytest
from django.core.management import call_command
from django.urls import reverse
from scipy import stats

from studies.loading import load_study
from studies.readiness import problems
from studies.spec import SpecError, load_spec_file, parse_spec
from studies.stimuli import verified_manifest
from studies.trial_lists import trials_of
from tests.bots import PROLIFIC_URL, Bot, TrialAnswer, fake_key, publish_stimulus
from tests.fixtures.tiny_models import tiny_cnn_bundle

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "studies" / "specs" / "borowski-exp1.yaml"
PLAN = REPO / "analysis" / "examples" / "borowski2021" / "exp1_cnn_units.yaml"
TINY = {  # shipped line -> the tiny configuration's
    "        layers: [stem, layer1, layer2, layer3]": "        layers: [layer2, layer3]",
    "        per_layer: 9": "        per_layer: 2",
    "      practice: 5": "      practice: 2",
    "      catch_per_block: 3": "      catch_per_block: 1",
    "      repeated: 6": "      repeated: 2",
    "      batches: 20": "      batches: 3",
    "      synthetic: {steps: 2560, size: 64, diversity_weight: 1, seed: 0}":
        "      synthetic: {steps: 2, size: 16, diversity_weight: 1, seed: 0}",
    "      natural: {source_n: 5000, source_seed: 0, seed: 0}":
        "      natural: {source_n: 60, source_seed: 0, seed: 0}",
    "variants: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]": "variants: [0, 1, 2, 3]",
    "target: 10": "target: 4",
    # the intuitiveness units: channels of the tiny CNN that are no trial units of its design
    'units: ["layer1:10", "layer2:1", "layer3:0"]': 'units: ["layer1:1", "layer2:0", "layer3:7"]',
}


def tiny_text(checkpoint: Path) -> str:
    text = SPEC.read_text()
    for old, new in TINY.items():
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace("checkpoint: checkpoints/cnn", f"checkpoint: {checkpoint}")
    # the tiny CNN's layer3 has 8 channels: hand-pick one of them
    return re.sub(r'hand_picked: \[[^]]*\]', 'hand_picked: ["layer3:0"]', text, flags=re.S)


def test_the_shipped_spec_states_the_papers_design():
    spec = load_spec_file(SPEC)
    g = spec.steps[spec.index_of("trials")].generate
    assert g["schemes"] == ["min_max_9"] and g["none"] and g["batches"] == 20
    assert g["synthetic"]["steps"] == 2560 and g["blocks_per_reference"] == 3
    trials = trials_of(spec, spec.steps[spec.index_of("trials")], 0)
    kinds = Counter(t.kind for t in trials)
    assert kinds == {"main": 3 * 44, "catch": 6 * 3, "repeated": 3 * 6, "practice": 3 * 5}
    main = Counter(t.factors["reference"] for t in trials if t.kind == "main")
    assert main == {"none": 44, "synthetic": 44, "natural": 44}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["borowski-exp1", "borowski-exp2"])
def test_the_shipped_specs_load_and_wait_for_their_stimuli(name, capsys):
    call_command("load_study", str(REPO / "studies" / "specs" / f"{name}.yaml"))
    out = capsys.readouterr().out
    assert "loaded study" in out and "trial images not rendered yet (run render_stimuli)" in out


@pytest.mark.parametrize(("old", "new", "message"), [
    ("      practice: 5", "      practise: 5", r"steps\[4\]\.generate\.practise.*unknown key"),
    ("schemes: [min_max_9]", "schemes: [min_max_8]", r"generate\.schemes.*'min_max_8' is not"),
    ('"layer3:1", ', '"layer3-1", ', r"generate\.units\.hand_picked.*not 'layer:channel'"),
    ("natural: {source_n: 5000,", "natural: {source_n: 50,", r"generate\.natural.*too small"),
    ("references: [synthetic, natural]", "references: [synthetic, painted]",
     r"generate\.references.*'painted' is not a reference type"),
    # the lay wording (by_group): groups of the participant_group step before it, wording only
    ("      lay:\n        instructions", "      lai:\n        instructions",
     r"steps\[4\]\.by_group\.lai.*not a group of the participant_group step\(s\) before this "
     r"step \(lay, expert\)"),
    ("      lay:\n", "      lay:\n        feedback: none\n",
     r"by_group\.lay\.feedback.*cannot be changed per group \(only the wording"),
    ("      lay:\n", "      lay:\n        text: Hello\n", r"by_group\.lay\.text.*unknown key"),
    ("reference_labels: [Non-favorite images, Favorite images]", "reference_labels: [Favorite]",
     r"by_group\.lay\.reference_labels.*needs two labels"),
    # the intuitiveness pages' lay wording: captions one per image type, the scale not worded
    ("image_labels: [Optimized favorite images, Natural favorite images]",
     "image_labels: [Favorite images]",
     r"steps\[3\]\.by_group\.lay\.image_labels.*one non-empty caption per shown image type "
     r"\(synthetic, natural\), got 1"),
    ("        intro: >-\n", "        anchors: {-100: No, 100: Yes}\n        intro: >-\n",
     r"steps\[3\]\.by_group\.lay\.anchors.*cannot be changed per group"),
    ("    type: device_check\n", "    type: device_check\n    by_group: {lay: {title: Screen}}\n",
     r"steps\[1\]\.by_group.*needs a participant_group step before this step"),
])
def test_unknown_keys_and_values_are_errors_with_key_and_line(old, new, message):
    text = SPEC.read_text()
    assert old in text
    with pytest.raises(SpecError) as exc:
        parse_spec(text.replace(old, new, 1))
    assert re.search(message, str(exc.value)) and "line" in str(exc.value), str(exc.value)


def answer(bot: int, trial) -> TrialAnswer:
    """Designed answers: right with natural references but on the hand-picked unit for bots 1
    and 2, right on the hand-picked unit and wrong on every second random unit with synthetic
    references for odd bots, at chance-like alternation without references; catch trials
    right."""
    ref, kind = trial.factors["reference"], trial.kind
    picked = trial.factors.get("selection") == "hand_picked"
    n = sum(map(ord, trial.id))
    correct = {"natural": not (picked and bot in (1, 2)),
               "synthetic": picked or not (bot % 2 and n % 2), "none": n % 2 == 0}[ref]
    correct = True if kind == "catch" else correct
    seconds = 1.0 + (0.8 if ref == "synthetic" else 0.2) + 0.1 * bot
    return TrialAnswer(correct=correct, confidence=3 if ref == "natural" else 1 + n % 3,
                       seconds=seconds, rt_ms=seconds * 1000 - 50)


def rating(bot: int, step: str, unit: str) -> int:
    """Designed intuitiveness ratings: different per bot and unit; after the trials higher
    for every bot but on the layer-2 unit, which changes by -3, -1, 1, 3."""
    layer, channel = (int(x) for x in unit.removeprefix("layer").split(":"))
    before = -70 + 37 * bot + 11 * layer + channel
    change = 2 * bot - 3 if layer == 2 else 5 + 3 * bot
    return before if step == "intuitive-before" else before + change


@pytest.mark.django_db
def test_bots_walk_experiment_one_and_the_plan_runs_on_the_export(tmp_path, settings, clock,
                                                                  capsys):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    folder, _ = tiny_cnn_bundle(tmp_path / "cnn")
    path = tmp_path / "borowski-exp1.yaml"
    path.write_text(tiny_text(folder))
    study, _ = load_study(path)
    waiting = problems(study)
    assert any("trial images not rendered yet" in p for p in waiting)
    assert any(p.startswith("intuitive-before: rated images not rendered yet") for p in waiting)
    call_command("render_stimuli", study.slug)
    # 9 trial units and 3 rated ones x (synthetic, natural)
    assert "24 stimuli" in capsys.readouterr().out
    assert problems(study) == []

    bots = [Bot(study, clock) for _ in range(4)]
    for b, bot in enumerate(bots):
        bot.enter()
        if b == 0:  # the pages' images come through the stimulus view, with access checks
            bot.play(stop_at="intuitive-before")
            page = bot.client.get(reverse("studies:step", args=[study.slug])).content.decode()
            urls = re.findall(r'<img src="([^"]+)"', page)
            assert "Rating 1 of 3" in page and len(urls) == 18  # 9 synthetic, 9 natural
            assert all(bot.client.get(u).status_code == 200 for u in urls)
            bot.play(stop_at="trials", ratings=lambda step, unit, b=b: rating(b, step, unit))
            page = bot.client.get(reverse("studies:step", args=[study.slug])).content.decode()
            urls = re.findall(r'<img src="([^"]+)"', page)
            assert "Block 1 of 9: no reference images" in page
            assert len(urls) == 2  # the first block has no references: the two queries
            assert all(bot.client.get(u).status_code == 200 for u in urls)
            publish_stimulus(Path(settings.STIMULI_ROOT), fake_key("not-shown"))
            other = reverse("studies:stimulus", args=[study.slug, fake_key("not-shown"),
                                                      "r00c00.png"])
            assert bot.client.get(other).status_code == 404
            # access is per cell: the participant's own images are served; another batch's cell
            # of the same unit's natural stimulus (participant v - 1's natural references) and
            # the stimulus' grid are not
            spec = load_spec_file(path)
            v = bot.participant.variant
            own = 2 * (v % 3)  # the first row of batch v (3 batches)
            trials = trials_of(spec, spec.steps[spec.index_of("trials")], v)
            shown = {(i.key, i.row, i.col) for t in trials for i in
                     [*t.options, *(i for r in t.references for i in r.images)]}
            mine = next(t for t in trials if t.factors["reference"] == "natural").references[1]
            key, row = mine.images[0].key, mine.images[0].row
            assert row == 2 * ((v + 1) % 3)  # batch v + 1's maximally activating images
            assert (key, own, 1) not in shown  # batch v only as queries (column 0)

            def url(name, key=key):
                return reverse("studies:stimulus", args=[study.slug, key, name])

            assert bot.client.get(url(f"r{row:02d}c01.png")).status_code == 200
            assert bot.client.get(url(f"r{own:02d}c00.png")).status_code == 200  # a query
            assert bot.client.get(url(f"r{own:02d}c01.png")).status_code == 404
            assert bot.client.get(url(verified_manifest(key)["grid_image"])).status_code == 404
        last = bot.play(trials=lambda step, trial, b=b: answer(b, trial),
                        ratings=lambda step, unit, b=b: rating(b, step, unit))
        assert last["Location"] == PROLIFIC_URL + "CBOR1OK"
    variants = {bot.participant.variant: bot for bot in bots}
    assert sorted(variants) == [0, 1, 2, 3]  # one participant per counterbalancing slot

    spec = load_spec_file(path)
    step = spec.steps[spec.index_of("trials")]
    for v, bot in variants.items():
        trials = trials_of(spec, step, v)
        blocks = [t.factors["reference"] for t in trials if t.kind == "main"]
        firsts = list(dict.fromkeys(blocks))
        assert blocks[0] == "none" and blocks[-1] == "none"
        assert firsts[1] == ("synthetic" if v % 2 == 0 else "natural")  # counterbalanced
        queries = {(o.key, o.row, o.col) for t in trials if t.kind != "catch" for o in t.options}
        references = {(i.key, i.row, i.col) for t in trials for r in t.references
                      for i in r.images}
        assert not queries & references  # no reference image among the queries
        for t in (t for t in trials if t.kind == "catch"):
            assert t.references and t.options[t.answer] in t.references[1].images
        stored = bot.participant.responses.filter(item_type="trial").order_by("trial")
        assert [r.item for r in stored] == [t.id for t in trials]  # shown in the design's order

    export = tmp_path / "responses.csv"
    call_command("export_responses", study.slug, "--format", "csv", "--out", str(export))
    frame = pd.read_csv(export)
    rows = frame[frame.item_type == "trial"]
    per = rows.groupby(["participant", "trial_kind"]).size().unstack()
    assert (per["main"] == 15).all() and (per["catch"] == 6).all()  # 5 units x 3; 6 blocks x 1
    assert (per["practice"] == 6).all() and (per["repeated"] == 6).all()
    assert set(rows.reference) == {"none", "synthetic", "natural"}
    assert set(rows[rows.trial_kind == "main"].groupby("participant").reference.nunique()) == {3}
    assert rows.unit.str.fullmatch(r"layer[23]:\d").all() and rows.block.notna().all()

    ratings = frame[frame.item_type == "slider"]  # the intuitiveness trials, tidy
    assert (ratings.groupby("participant").size() == 3).all()
    assert set(ratings.when) == {"before"} and (ratings.unit == ratings["item"]).all()
    assert set(ratings.unit) == {"layer1:1", "layer2:0", "layer3:7"}
    # shown: each rating names the cells of the unit's images it was given on, a trial its
    # options first and then its references, every image by its full stimulus key and cell
    assert ratings["shown"].str.fullmatch(r"([0-9a-f]{64}/\d+,\d+;?)+").all()
    assert rows["shown"].str.fullmatch(r"([0-9a-f]{64}/\d+,\d+;?)+").all()
    assert (rows[rows.reference == "none"]["shown"].str.count(";") == 1).all()  # two options
    by_pid = {bot.pid: b for b, bot in enumerate(bots)}
    for _, row in ratings.iterrows():
        assert float(row.response) == rating(by_pid[row.prolific_pid], row.step, row.unit)

    call_command("analyze", "--responses", str(export), "--prereg", str(PLAN),
                 "--out", str(tmp_path / "report"))
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    intuitive = {r["unit"]: r for r in results["tables"]["intuitiveness"]}
    values = ratings.assign(value=ratings.response.astype(float)).groupby("unit").value
    assert sorted(intuitive) == sorted(values.groups)
    for unit, row in intuitive.items():  # Fig. 6A, recomputed from the CSV with pandas/scipy
        assert row["n_subjects"] == 4 and row["mean"] == pytest.approx(values.mean()[unit])
        assert row["two_sem"] == pytest.approx(2 * stats.sem(values.get_group(unit)))
    dots = results["tables"]["intuitiveness_figure_participants"]
    assert len(dots) == 12 and {d["mean"] for d in dots} == set(values.apply(list).sum())
    main = rows[rows.trial_kind == "main"]
    subject = main.groupby(["participant", "reference"]).correct.mean().unstack()
    accuracy = {r["reference"]: r for r in results["tables"]["accuracy"]}
    for ref in ("natural", "synthetic", "none"):
        assert accuracy[ref]["n_subjects"] == 4
        assert accuracy[ref]["mean"] == pytest.approx(subject[ref].mean())
        assert accuracy[ref]["two_sem"] == pytest.approx(2 * stats.sem(subject[ref]))
    assert accuracy["natural"]["mean"] == pytest.approx((1 + 0.8 + 0.8 + 1) / 4)  # answer()
    tests = {t["analysis_id"]: t for t in results["tests"]}
    w = stats.wilcoxon(subject["natural"], subject["synthetic"], method="asymptotic",
                       correction=True, zero_method="wilcox")
    assert tests["natural_vs_synthetic"]["p"] == pytest.approx(w.pvalue)
    assert tests["catch_trials"]["n"] == 4 * 6 and tests["catch_trials"]["statistic"] == 0

    # H2 (Sec. 4.4, A.2.4): hand-picked vs random units, recomputed here with scipy / pingouin
    assert set(main.selection) == {"hand_picked", "random"}
    assert set(main[main.selection == "hand_picked"].unit) == {"layer3:0"}
    assert set(rows[rows.trial_kind.isin(["practice", "catch"])].selection) == {"random"}
    cells = main[main.reference != "none"].groupby(
        ["participant", "reference", "selection"]).correct.mean()
    for ref in ("natural", "synthetic"):
        wide = cells.xs(ref, level="reference").unstack()
        w = stats.wilcoxon(wide["hand_picked"], wide["random"], method="asymptotic",
                           correction=True, zero_method="wilcox")
        row = tests[f"handpicked_{ref}"]
        assert row["p"] == pytest.approx(w.pvalue) and row["n"] == 4
        d = (wide["hand_picked"] - wide["random"]).to_numpy()
        d = d[d != 0]
        assert row["statistic"] == pytest.approx(stats.rankdata(abs(d))[d > 0].sum())  # W+
    anova = pingouin.rm_anova(cells.reset_index(), dv="correct", within=["reference", "selection"],
                              subject="participant")
    by_effect = {r["label"].rsplit(": ", 1)[1]: r for r in results["tests"]
                 if r["analysis_id"] == "selection_mode_rm_anova"}
    selection = anova.set_index("Source").loc["selection"]
    assert by_effect["selection"]["statistic"] == pytest.approx(selection["F"])
    assert by_effect["selection"]["p"] == pytest.approx(selection["p_unc"])
    dots = pd.DataFrame(results["tables"]["selection_figure_participants"])
    assert len(dots) == 4 * 2 * 2  # participants x reference x selection: Fig. 5B's dots
    assert (tmp_path / "report" / "selection_figure.png").is_file()


def test_experiment_two_counterbalances_schemes_unit_sets_and_reference_order():
    spec = load_spec_file(REPO / "studies" / "specs" / "borowski-exp2.yaml")
    step = spec.steps[spec.index_of("trials")]
    seen_orders, seen_sets = set(), {}
    for v in range(8):
        trials = trials_of(spec, step, v)
        assert Counter(t.kind for t in trials) == {"main": 8 * 12, "catch": 8 * 2,
                                                   "practice": 8 * 3}
        main = [t for t in trials if t.kind == "main"]
        assert {t.factors["reference"] for t in main} == {"synthetic", "natural"}
        schemes = list(dict.fromkeys(t.factors["scheme"] for t in main))
        assert sorted(schemes) == ["max_1", "max_9", "min_max_1", "min_max_9"]
        seen_orders.add(tuple(schemes))
        first = main[0].factors["reference"]
        assert first == ("synthetic" if (v // 4) % 2 == 0 else "natural")
        for scheme in schemes:
            units = frozenset(t.factors["unit"] for t in main if t.factors["scheme"] == scheme)
            assert len(units) == 12
            seen_sets.setdefault(scheme, set()).add(units)
            shown = [t for t in main if t.factors["scheme"] == scheme]
            n = 9 if scheme.endswith("9") else 1
            assert all(len(t.references[1].images) == n for t in shown)
            assert all(len(t.references[0].images) == (n if scheme.startswith("min") else 0)
                       for t in shown)
    assert len(seen_orders) == 4  # the rows of the Latin square
    assert all(len(sets) == 4 for sets in seen_sets.values())  # each scheme shows every set
    all_units = set().union(*(s for sets in seen_sets.values() for s in sets))
    assert len(all_units) == 48


TINY_TWO = {
    "        layers: [stem, layer1, layer2, layer3]": "        layers: [layer3]",
    "        per_layer: 3": "        per_layer: 1",
    "      practice: 3": "      practice: 1",
    "      catch_per_block: 2": "      catch_per_block: 1",
    "      batches: 20": "      batches: 3",
    "      synthetic: {steps: 2560, size: 64, diversity_weight: 1, seed: 0}":
        "      synthetic: {steps: 2, size: 16, diversity_weight: 1, seed: 0}",
    "      natural: {source_n: 5000, source_seed: 0, seed: 0}":
        "      natural: {source_n: 60, source_seed: 0, seed: 0}",
    "target: 24, variants: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]":
        "target: 4, variants: [0, 1, 2, 3]",
    'units: ["layer1:10", "layer2:1", "layer3:0"]': 'units: ["layer1:1", "layer2:0", "layer3:7"]',
}


def assert_rating_wording(bot, study, *, lay: bool, when: str) -> None:
    """The intuitiveness page a bot is on speaks its group's words: the paper's "favorite
    images" for lay participants (A.1.1), the expert wording otherwise; the same images."""
    page = bot.client.get(reverse("studies:step", args=[study.slug])).content.decode()
    page = " ".join(page.split())
    assert bot.current_step().id == f"intuitive-{when}"
    assert ("<figcaption>Optimized favorite images</figcaption>" in page) == lay, page
    assert ("<figcaption>Natural favorite images</figcaption>" in page) == lay
    assert ("<figcaption>Optimized images</figcaption>" in page) == (not lay)
    assert ("explanation of these optimized favorite images for the given natural favorite "
            "images?" in page) == lay
    assert ("explanation of these optimized images for the given natural images?"
            in page) == (not lay)
    assert ("likes some images more than others" in page) == (lay and when == "before")
    assert ("favorite images once more" in page) == (lay and when == "after")
    assert page.count("<img src=") >= 18  # 9 optimized + 9 natural, whatever the wording


@pytest.mark.django_db
def test_bots_walk_experiment_two_and_its_plan_runs_on_the_export(tmp_path, settings, clock,
                                                                  capsys):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    folder, _ = tiny_cnn_bundle(tmp_path / "cnn")
    text = (REPO / "studies" / "specs" / "borowski-exp2.yaml").read_text()
    for old, new in TINY_TWO.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "borowski-exp2.yaml"
    path.write_text(text.replace("checkpoint: checkpoints/cnn", f"checkpoint: {folder}"))
    study, _ = load_study(path)
    call_command("render_stimuli", study.slug)
    # 6 trial units x (1, 9 images) x 2 kinds; 3 rated units x 9 images x 2 kinds (shared by
    # the ratings before and after)
    assert "30 stimuli" in capsys.readouterr().out
    assert problems(study) == []
    pids = []
    for b in range(4):  # bots 0 and 1 lay, 2 and 3 experts (the last choice, level 3)
        bot = Bot(study, clock)
        bot.enter()
        bot.play(stop_at="expertise")
        bot.post({"choice": "0" if b < 2 else "3", "rt_ms": "2000"})
        assert_rating_wording(bot, study, lay=b < 2, when="before")
        bot.play(stop_at="trials", ratings=lambda step, unit, b=b: rating(b, step, unit))
        page = bot.client.get(reverse("studies:step", args=[study.slug])).content.decode()
        lay = ("favorite images of the computer program" in page.replace("\n", " ")
               or "is also a favorite image" in page)
        assert lay == (b < 2), page  # the trial block's wording of the participant's group
        assert ("Favorite images</h3>" in page) == (b < 2)
        assert ("Maximally activating</h3>" in page) == (b >= 2)
        assert ("Which image also strongly activates this unit?" in page) == (b >= 2)
        bot.play(trials=lambda step, trial, b=b: answer(b, trial),
                 ratings=lambda step, unit, b=b: rating(b, step, unit), stop_at="intuitive-after")
        assert_rating_wording(bot, study, lay=b < 2, when="after")
        assert bot.play(trials=lambda step, trial, b=b: answer(b, trial),
                        ratings=lambda step, unit, b=b: rating(b, step, unit))["Location"] == \
            PROLIFIC_URL + "CBOR2OK"
        pids.append(bot.pid)
    export = tmp_path / "responses.csv"
    call_command("export_responses", study.slug, "--format", "csv", "--out", str(export))
    rows = pd.read_csv(export).query("item_type == 'trial'")
    main = rows[rows.trial_kind == "main"]
    assert (main.groupby("participant").size() == 4 * 2).all()  # schemes x refs x 1 unit
    assert set(rows.participant_group) == {"expert", "lay"}
    plan = PLAN.with_name("exp2_cnn_units.yaml").read_text()
    for old, new in (("layer1:10", "layer1:1"), ("layer2:1", "layer2:0"), ("layer3:0", "layer3:7")):
        assert f'equals: "{old}"' in plan
        plan = plan.replace(f'equals: "{old}"', f'equals: "{new}"')
    (tmp_path / "exp2.yaml").write_text(plan)  # the plan's units are the tiny design's
    call_command("analyze", "--responses", str(export), "--prereg", str(tmp_path / "exp2.yaml"),
                 "--out", str(tmp_path / "report"))
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    subject = main.groupby(["participant", "scheme", "reference"]).correct.mean()
    table = {(r["scheme"], r["reference"]): r for r in results["tables"]["accuracy_by_scheme"]}
    assert len(table) == 8
    for (scheme, ref), row in table.items():
        values = subject.xs((scheme, ref), level=("scheme", "reference"))
        assert row["n_subjects"] == 4 and row["mean"] == pytest.approx(values.mean())

    # the intuitiveness ratings before and after (Fig. 6B+C), from the CSV with pandas/scipy
    ratings = pd.read_csv(export).query("item_type == 'slider'")
    assert len(ratings) == 4 * 3 * 2 and set(ratings.when) == {"before", "after"}
    for _, row in ratings.iterrows():
        assert float(row.response) == rating(pids.index(row.prolific_pid), row.step, row.unit)
    wide = ratings.assign(value=ratings.response.astype(float)).pivot_table(
        index=["unit", "participant"], columns="when", values="value")
    table = {(r["unit"], r["when"]): r for r in results["tables"]["intuitiveness"]}
    assert len(table) == 6
    for (unit, when), row in table.items():
        assert row["mean"] == pytest.approx(wide.loc[unit][when].mean())
        assert row["two_sem"] == pytest.approx(2 * stats.sem(wide.loc[unit][when]))
    tests = {t["analysis_id"]: t for t in results["tests"]}
    for layer, unit in (("layer1", "layer1:1"), ("layer2", "layer2:0"), ("layer3", "layer3:7")):
        w = stats.wilcoxon(wide.loc[unit]["after"], wide.loc[unit]["before"],
                           method="asymptotic", correction=True, zero_method="wilcox")
        assert tests[f"intuitiveness_change_{layer}"]["p"] == pytest.approx(w.pvalue)
        plus = stats.wilcoxon(wide.loc[unit]["after"], wide.loc[unit]["before"],
                              alternative="greater").statistic  # the report's W: R+
        assert tests[f"intuitiveness_change_{layer}"]["statistic"] == pytest.approx(plus)
    # Fig. 6C: each participant's after - before per unit, against pandas on the export
    change = (wide["after"] - wide["before"]).rename("change")
    assert sorted(change.xs("layer2:0", level="unit")) == [-3, -1, 1, 3]  # rating()'s design
    fig6c = {r["unit"]: r for r in results["tables"]["intuitiveness_change_figure"]}
    assert set(fig6c) == {"layer1:1", "layer2:0", "layer3:7"}
    for unit, row in fig6c.items():
        assert row["n_subjects"] == 4 and row["mean"] == pytest.approx(change[unit].mean())
        assert row["two_sem"] == pytest.approx(2 * stats.sem(change[unit]))
    dots = pd.DataFrame(results["tables"]["intuitiveness_change_figure_participants"])
    got = dots.set_index(["unit", "participant"])["mean"].sort_index()
    pd.testing.assert_series_equal(got, change.sort_index(), check_names=False)
    assert (tmp_path / "report" / "intuitiveness_change_figure.png").is_file()
    assert {r["participant_group"] for r in results["tables"]["accuracy_by_group"]} == \
        {"expert", "lay"}
    # Fig. 5A, grouped: the panels' cells against pandas on the export
    cells = main.groupby(["participant_group", "reference", "participant"]).correct.mean()
    figure = {(r["participant_group"], r["reference"]): r
              for r in results["tables"]["accuracy_figure"]}
    assert set(figure) == {(g, r) for g in ("expert", "lay") for r in ("natural", "synthetic")}
    for (group, ref), row in figure.items():
        values = cells.xs((group, ref), level=("participant_group", "reference"))
        assert row["n_subjects"] == 2 and row["mean"] == pytest.approx(values.mean())
        assert row["two_sem"] == pytest.approx(2 * stats.sem(values))
    assert (tmp_path / "report" / "accuracy_figure.png").is_file()
