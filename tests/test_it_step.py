"""View ``studies:step`` (/s/<study>/step/): the current page of the participant."""

import pytest

from tests.bots import Bot

pytestmark = pytest.mark.django_db


def test_step_page_has_stable_form_ids(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    page = bot.get().content.decode()
    for marker in ('id="step-form"', 'name="step" value="consent"', 'name="nonce"',
                   'id="consent-agree"', 'id="consent-decline"', 'id="withdraw-link"',
                   'id="study-config"', "studies/study.js", 'id="study-progress"'):
        assert marker in page, marker


def test_stimulus_page_shows_the_published_grid_with_labels(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="stimulus")
    page = bot.get().content.decode()
    assert 'id="stimulus-grid"' in page and "/stimulus/" in page and "grid.png" in page
    for attr in ("legs", "color", "background", "shape", "rotation"):
        assert f'id="relevance-{attr}-relevant"' in page
        assert f'id="justification-{attr}"' in page
    assert 'data-wait-s="30.0"' in page


def test_step_rejects_put(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    assert bot.client.put(bot.step_url).status_code == 403  # CSRF first
    bot.client.handler.enforce_csrf_checks = False
    assert bot.client.put(bot.step_url).status_code == 405


def test_cells_layout_shows_a_table_with_column_labels(tmp_path, settings, clock, db):
    from studies.loading import load_study
    from tests.bots import write_study

    path = write_study(tmp_path, settings, slug="cells")
    path.write_text(path.read_text().replace("    min_seconds: 30\n",
                                             "    min_seconds: 30\n    layout: cells\n"))
    study, _ = load_study(path)
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="stimulus")
    page = bot.get().content.decode()
    assert 'id="stimulus-cells"' in page and 'id="stimulus-grid"' not in page
    assert '<th scope="col">very certain Peeky</th>' in page
    assert page.count("/r01c04.png") == 1 and page.count('<td><img src="') == 10
