"""A generated 2AFC block is served from its published trial_images stimulus (render kind of the
one pipeline): the page names the stimulus' cells, a participant fetches them, nothing else."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from studies.loading import load_study
from studies.models import Response
from tests.bots import Bot, fake_key, publish_stimulus

pytestmark = pytest.mark.django_db
SPEC = Path(__file__).parent.parent / "studies" / "specs" / "two-afc-example.yaml"


def test_a_participant_sees_and_answers_the_published_trial_images(settings, clock):
    study, _ = load_study(SPEC)
    assert b"not open yet" in Bot(study, clock).enter().content  # not rendered yet
    call_command("render_stimuli", str(SPEC))
    bot = Bot(study, clock)
    assert bot.enter().status_code == 302
    bot.play(stop_at="trials")
    page = bot.get().content.decode()
    urls = re.findall(r'/s/two-afc-example/stimulus/([0-9a-f]{64})/(r\d\dc\d\d\.png)', page)
    assert len(urls) == 2 + 3 + 3  # two options, three references per class
    (key,) = {k for k, _ in urls}
    image = bot.client.get(f"/s/two-afc-example/stimulus/{key}/{urls[0][1]}")
    assert image.status_code == 200 and b"".join(image.streaming_content)[:4] == b"\x89PNG"
    assert bot.client.get(f"/s/two-afc-example/stimulus/{key}/meta.json").status_code == 404
    other = fake_key("someone-else")
    publish_stimulus(Path(settings.STIMULI_ROOT), other)
    assert bot.client.get(f"/s/two-afc-example/stimulus/{other}/r00c00.png").status_code == 404
    bot.play()
    trials = Response.objects.filter(participant=bot.participant, item_type="trial")
    assert trials.count() == 10
    assert all(o.startswith(key[:12] + "/") for t in trials for o in t.extra["options"])
    # the export's shown column names every image of the page by its full key and cell
    first = trials.get(trial=0).extra["shown"]
    assert len(first) == len(urls) and all(s.startswith(key + "/") for s in first)
    cells = {f"{key}/{int(f[1:3])},{int(f[4:6])}" for _, f in urls}
    assert set(first) == cells
