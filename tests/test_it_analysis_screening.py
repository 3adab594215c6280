"""The researcher pages for screening free-text answers: login, staff, escaping, the per-annotator
form, kappa and disagreements, settling."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from analysis.models import Annotation, ScreeningDecision
from studies.models import Participant, Response, Status, Study

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    study = Study.objects.create(slug="s2", title="Study 2", spec={}, spec_sha256="0")
    people = []
    for i in range(4):
        p = Participant.objects.create(study=study, prolific_pid=f"P{i}",
                                       status=Status.COMPLETED)
        Response.objects.create(participant=p, step="relevance", step_index=3,
                                item_type="relevance", item="legs", response="relevant",
                                justification=f"<script>alert({i})</script> legs differ")
        people.append(p)
    Participant.objects.create(study=study, prolific_pid="P9", status=Status.RETURNED)
    users = get_user_model()
    ann = users.objects.create_user("ann", password="pw", is_staff=True)
    bob = users.objects.create_user("bob", password="pw", is_staff=True)
    return study, people, ann, bob


def test_login_and_staff_required(client, setup):
    study, *_ = setup
    url = reverse("analysis:screening", args=[study.slug])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    get_user_model().objects.create_user("eve", password="pw")
    client.login(username="eve", password="pw")
    assert client.get(url).status_code == 403
    assert client.post(reverse("analysis:annotate", args=[study.slug, setup[1][0].public_id]),
                       {}).status_code == 403


def test_list_escapes_justifications_and_saves_my_label(client, setup):
    study, people, ann, bob = setup
    client.force_login(ann)
    page = client.get(reverse("analysis:screening", args=[study.slug])).content.decode()
    assert "&lt;script&gt;alert(0)&lt;/script&gt; legs differ" in page
    assert "<script>" not in page
    assert page.count('name="' + str(people[0].public_id) + '-label"') == 3  # one radio each
    # only completed participants (the page names them by public id; "P9" was no test: the page
    # never shows Prolific ids, and a random CSRF token once contained "P9")
    assert page.count("<h3>Participant ") == 4
    assert str(Participant.objects.get(prolific_pid="P9").public_id) not in page
    prefix = str(people[0].public_id)
    url = reverse("analysis:annotate", args=[study.slug, people[0].public_id])
    response = client.post(url, {f"{prefix}-label": "exclude", f"{prefix}-note": "copy-paste"})
    assert response.status_code == 302
    assert Annotation.objects.get(participant=people[0], annotator=ann).label == "exclude"
    client.post(url, {f"{prefix}-label": "unsure", f"{prefix}-note": ""})
    assert Annotation.objects.get(participant=people[0], annotator=ann).label == "unsure"
    assert client.post(url, {f"{prefix}-label": "maybe"}).status_code == 400
    assert client.get(url).status_code == 405


def test_agreement_page_kappa_disagreements_and_settling(client, setup):
    study, people, ann, bob = setup
    labels = {ann: ["include", "include", "exclude", "include"],
              bob: ["include", "exclude", "exclude", "include"]}
    for user, values in labels.items():
        for person, label in zip(people, values, strict=True):
            Annotation.objects.create(participant=person, annotator=user, label=label)
    client.force_login(bob)
    page = client.get(reverse("analysis:agreement", args=[study.slug])).content.decode()
    assert "0.500" in page  # kappa of [1,1,0,1] vs [1,0,0,1]
    assert "1 disagreement(s)" in page and str(people[1].public_id) in page
    assert str(people[0].public_id) not in page
    prefix = str(people[1].public_id)
    settle = reverse("analysis:settle", args=[study.slug, people[1].public_id])
    assert client.post(settle, {f"{prefix}-label": "exclude"}).status_code == 400  # reason
    client.post(settle, {f"{prefix}-label": "exclude", f"{prefix}-reason": "discussed"})
    decision = ScreeningDecision.objects.get(participant=people[1])
    assert decision.label == "exclude" and decision.decided_by == bob
    page = client.get(reverse("analysis:agreement", args=[study.slug])).content.decode()
    assert "2 excluded after screening" in page  # settled + unanimous
    assert client.get(reverse("analysis:agreement", args=["nope"])).status_code == 404
