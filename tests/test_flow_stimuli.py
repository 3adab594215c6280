"""The flow finds its stimuli by the keys the renderer plans (explainers.plan, Contract 3) and
refuses to start before every (condition, variant) is published."""

from pathlib import Path

import pytest

from explainers.plan import plan
from studies import stimuli
from studies.dashboard_numbers import status
from studies.loading import load_study
from studies.readiness import problems
from studies.runtime import spec_of
from tests.bots import Bot, publish_stimulus, write_study
from tests.fixtures.tiny_explainer_setup import tiny_checkpoint

pytestmark = pytest.mark.django_db


PLANNED = """\
  - {name: alpha, explainer: baseline, variants: [0, 1], target: 3}
  - {name: beta, explainer: inn, target: 3}
"""


@pytest.fixture
def planned_study(tmp_path, settings, clock):
    folder, _ = tiny_checkpoint(tmp_path / "ckpt")
    path = write_study(tmp_path, settings, slug="planned", publish=False, conditions=PLANNED,
                       checkpoint=str(folder))
    return load_study(path)[0], folder


def test_keys_are_the_renderers_keys(planned_study):
    study, folder = planned_study
    spec = spec_of(study)
    conditions = [{"name": "alpha", "explainer": "baseline", "params": {}, "variants": 2},
                  {"name": "beta", "explainer": "inn", "params": {}, "variants": 1}]
    expected = {(j.condition, j.variant): j.key
                for j in plan(conditions, study_seed=11, checkpoint=folder)}
    assert stimuli.stimulus_keys(spec) == expected
    assert len(set(expected.values())) == 3


def test_not_live_until_every_variant_is_published(planned_study, settings, clock):
    study, _ = planned_study
    spec = spec_of(study)
    keys = stimuli.stimulus_keys(spec)
    assert any("not published" in p for p in problems(study))
    assert b"not open yet" in Bot(study, clock).enter().content
    root = Path(settings.STIMULI_ROOT)
    publish_stimulus(root, keys[("alpha", 0)])
    publish_stimulus(root, keys[("beta", 0)])
    assert status(study)["render"] == {"alpha": {"expected": 2, "published": 1},
                                       "beta": {"expected": 1, "published": 1}}
    assert problems(study) and b"not open yet" in Bot(study, clock).enter().content
    publish_stimulus(root, keys[("alpha", 1)])
    assert problems(study) == []
    bot = Bot(study, clock)
    assert bot.enter().status_code == 302
    bot.play(stop_at="stimulus")
    p = bot.participant
    page = bot.get().content.decode()
    assert f'data-key="{keys[(p.condition.name, p.variant)]}"' in page


def test_missing_checkpoint_is_reported(tmp_path, settings, clock):
    path = write_study(tmp_path, settings, slug="nockpt", conditions=PLANNED,
                       checkpoint=str(tmp_path / "none"))
    study, _ = load_study(path)
    assert any("no bundle.json" in p for p in problems(study))
    assert "no bundle.json" in status(study)["render_error"]
