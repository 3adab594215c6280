"""Every studies model is registered in the Django admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from studies import models

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [models.Study, models.Condition, models.Participant,
                                   models.Response, models.Event, models.BlockEntry,
                                   models.BonusPayment, models.BonusLine])
def test_admin_changelist(model, admin_client, study):
    assert model in admin.site._registry
    url = reverse(f"admin:studies_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
