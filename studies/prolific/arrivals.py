"""Arrivals per client address are limited (anyone with the link can invent PROLIFIC_PIDs).

The count lives in the database (one row per address and minute, incremented with an atomic
UPDATE), so every gunicorn worker and machine sees the same count. The address is REMOTE_ADDR, or,
behind ``TRUSTED_PROXY_HOPS`` proxies that append to X-Forwarded-For (nginx's
``$proxy_add_x_forwarded_for``), the address the outermost trusted proxy saw.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.shortcuts import render

from studies import clock

from .models import ArrivalCount

WINDOW_S = 60


def client_address(request) -> str:
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if a.strip()]
        if len(chain) >= hops:
            return chain[-hops][:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def _bump(address: str, window: int) -> None:
    rows = ArrivalCount.objects.filter(address=address, window=window)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ArrivalCount.objects.create(address=address, window=window, count=1)
    except IntegrityError:  # another worker created it first
        rows.update(count=F("count") + 1)
        return
    ArrivalCount.objects.filter(window__lt=window - 1).delete()  # once per new window


def allow(request) -> bool:
    """Count this arrival; False once its address exceeds the limit in the current minute."""
    limit = settings.ARRIVALS_PER_ADDRESS_PER_MINUTE
    if not limit:
        return True
    address = client_address(request)
    window = int(clock.now().timestamp()) // WINDOW_S
    _bump(address, window)
    count = ArrivalCount.objects.filter(address=address, window=window) \
        .values_list("count", flat=True).first() or 0
    return count <= limit


def too_many(request, study):
    """The 429 page: what happened and what to do (wait a minute, open the link again)."""
    response = render(request, "studies/refused.html", {"study": study, "reason": "busy"},
                      status=429)
    response["Retry-After"] = str(WINDOW_S)
    return response
