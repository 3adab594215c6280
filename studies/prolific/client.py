"""A small client for Prolific's public researcher API (https://docs.prolific.com/api-reference).

Only the calls this platform needs: list filters, create, update (places) and publish a study,
list submissions, approve one, ask for a return, screen submissions out, set up and pay bulk bonuses. Answers come back as dataclasses. Requests have a timeout; 429 and
5xx answers are retried with exponential back-off (honouring ``Retry-After``), but a call that is
not idempotent on Prolific's side (paying bonuses, creating a study) is only retried when
Prolific certainly did not act on it (429, or the connection could not be opened).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urljoin

import requests
from django.db import models

from .errors import ProlificAPIError, ProlificConfigError, ProlificUnavailable

DEFAULT_API_URL = "https://api.prolific.com/api/v1/"


class SubmissionStatus(models.TextChoices):
    """Submission statuses as documented in Prolific's "Submission object"."""

    RESERVED = "RESERVED"
    ACTIVE = "ACTIVE"
    TIMED_OUT = "TIMED-OUT"
    AWAITING_REVIEW = "AWAITING REVIEW"
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"
    REJECTED = "REJECTED"
    SCREENED_OUT = "SCREENED OUT"
    PARTIALLY_APPROVED = "PARTIALLY APPROVED"


@dataclass(frozen=True)
class ProlificStudy:
    id: str
    name: str
    status: str
    internal_name: str = ""
    total_available_places: int = 0
    external_study_url: str = ""

    @classmethod
    def from_json(cls, data: dict) -> ProlificStudy:
        return cls(
            id=data["id"],
            name=data.get("name", ""),
            status=data.get("status", ""),
            internal_name=data.get("internal_name") or "",
            total_available_places=int(data.get("total_available_places") or 0),
            external_study_url=data.get("external_study_url") or "",
        )


@dataclass(frozen=True)
class Submission:
    id: str
    participant_id: str
    status: str
    study_id: str = ""
    started_at: str | None = None
    completed_at: str | None = None
    entered_code: str | None = None
    return_requested: str | None = None  # when a return was asked for (Prolific's field)

    @classmethod
    def from_json(cls, data: dict) -> Submission:
        return cls(
            id=data["id"],
            participant_id=data.get("participant_id") or data.get("participant") or "",
            status=data.get("status", ""),
            study_id=data.get("study_id", ""),
            started_at=data.get("started_at"),
            completed_at=data.get("completed_at"),
            entered_code=data.get("entered_code"),
            return_requested=data.get("return_requested"),
        )


@dataclass(frozen=True)
class BonusSetup:
    """A bulk bonus payment that is set up but not yet paid (amounts in the study's currency)."""

    id: str
    study_id: str
    amount: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    total_amount: Decimal = Decimal(0)
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> BonusSetup:
        def money(key):  # Prolific answers in pence/cents
            return Decimal(str(data.get(key) or 0)) / 100

        return cls(
            id=data["id"],
            study_id=data.get("study", data.get("study_id", "")),
            amount=money("amount"),
            fees=money("fees"),
            total_amount=money("total_amount"),
            raw=data,
        )


class ProlificClient:
    """Talks to Prolific with one ``requests.Session``; per-call options are keyword arguments."""

    def __init__(
        self,
        *,
        token: str | None = None,
        base_url: str | None = None,
        timeout: float = 20.0,
        max_retries: int = 4,
        backoff_s: float = 0.5,
        session: requests.Session | None = None,
    ):
        token = token if token is not None else os.environ.get("PROLIFIC_API_TOKEN", "")
        if not token:
            raise ProlificConfigError(
                "PROLIFIC_API_TOKEN is not set: create an API token in Prolific "
                "(Settings > API tokens) and put it into the environment."
            )
        self.base_url = (base_url or DEFAULT_API_URL).rstrip("/") + "/"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.session = session or requests.Session()
        self.session.headers.update(
            {"Authorization": f"Token {token}", "Accept": "application/json"}
        )

    @classmethod
    def from_settings(cls, **kwargs) -> ProlificClient:
        """A client configured from Django settings (``PROLIFIC_API_TOKEN``, ``PROLIFIC_API_URL``)."""
        from django.conf import settings

        kwargs.setdefault("token", getattr(settings, "PROLIFIC_API_TOKEN", "") or None)
        kwargs.setdefault("base_url", getattr(settings, "PROLIFIC_API_URL", DEFAULT_API_URL))
        return cls(**kwargs)

    # -- transport ----------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def request(self, method: str, path: str, *, json=None, params=None, idempotent=True):
        """One API call; returns the decoded JSON answer (``{}`` when the body is empty)."""
        url = path if path.startswith("http") else self._url(path)
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self.session.request(
                    method, url, json=json, params=params, timeout=self.timeout
                )
            except requests.ConnectionError as exc:
                # A refused/unreachable connection was never seen by Prolific; anything else
                # (e.g. a read timeout) may have been acted on, so only idempotent calls repeat.
                unsent = isinstance(exc, requests.ConnectTimeout) or _never_connected(exc)
                if last or not (idempotent or unsent):
                    raise ProlificUnavailable(f"Prolific {method} {url} failed: {exc}") from exc
                self._sleep(attempt, None)
                continue
            except requests.Timeout as exc:
                if last or not idempotent:
                    raise ProlificUnavailable(f"Prolific {method} {url} timed out: {exc}") from exc
                self._sleep(attempt, None)
                continue
            status = response.status_code
            retryable = status == 429 or (status >= 500 and idempotent)
            if retryable and not last:
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            if status == 429 or status >= 500:
                raise ProlificUnavailable(
                    f"Prolific {method} {url} answered HTTP {status} "
                    f"after {attempt + 1} attempt(s): {response.text[:2000]}"
                )
            if status >= 400:
                raise ProlificAPIError(method, url, status, response.text)
            return response.json() if response.content else {}
        raise AssertionError("unreachable")  # pragma: no cover

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff_s * (2**attempt)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass
        time.sleep(min(delay, 60.0))

    # -- studies ------------------------------------------------------------------------------

    def create_study_draft(self, payload: dict) -> ProlificStudy:
        """``POST /studies/``: creates an unpublished draft (Prolific's status ``UNPUBLISHED``)."""
        return ProlificStudy.from_json(
            self.request("POST", "studies/", json=payload, idempotent=False)
        )

    def get_study(self, study_id: str) -> ProlificStudy:
        return ProlificStudy.from_json(self.request("GET", f"studies/{study_id}/"))

    def update_study(self, study_id: str, fields: dict) -> ProlificStudy:
        """``PATCH /studies/{id}/`` (e.g. ``{"total_available_places": 300}``); idempotent."""
        return ProlificStudy.from_json(self.request("PATCH", f"studies/{study_id}/", json=fields))

    def publish_study(self, study_id: str) -> ProlificStudy:
        """``POST /studies/{id}/transition/`` with ``{"action": "PUBLISH"}``."""
        data = self.request(
            "POST", f"studies/{study_id}/transition/", json={"action": "PUBLISH"}
        )
        return ProlificStudy.from_json(data)

    # -- filters ------------------------------------------------------------------------------

    def list_filters(self) -> list[dict]:
        """Every audience filter Prolific offers (``GET /filters/``), following pagination."""
        return list(self._pages("filters/", {}))

    def _pages(self, path: str, params: dict) -> Iterator[dict]:
        page = self.request("GET", path, params=params)
        while True:
            yield from page.get("results", [])
            next_link = ((page.get("_links") or {}).get("next") or {}).get("href")
            if not next_link:
                return
            page = self.request("GET", next_link)

    # -- submissions --------------------------------------------------------------------------

    def iter_submissions(self, study_id: str, *, page_size: int = 100) -> Iterator[Submission]:
        """Every submission of a study (``GET /submissions/?study=ID``), following pagination."""
        for item in self._pages("submissions/", {"study": study_id, "page_size": page_size}):
            yield Submission.from_json(item)

    def list_submissions(self, study_id: str, **kwargs) -> list[Submission]:
        return list(self.iter_submissions(study_id, **kwargs))

    def get_submission(self, submission_id: str) -> Submission:
        return Submission.from_json(self.request("GET", f"submissions/{submission_id}/"))

    def approve_submission(self, submission_id: str) -> Submission:
        """``POST /submissions/{id}/transition/`` with ``APPROVE`` (idempotent on Prolific)."""
        data = self.request(
            "POST", f"submissions/{submission_id}/transition/", json={"action": "APPROVE"}
        )
        return Submission.from_json(data)

    def request_return(self, submission_id: str, reasons: list[str]) -> dict:
        """``POST /submissions/{id}/request-return/`` (``request_return_reasons``): Prolific asks
        the participant to return a completed submission (one that only partly did the study);
        Prolific writes the message around the reasons. A repeat only sends the message again."""
        return self.request("POST", f"submissions/{submission_id}/request-return/",
                            json={"request_return_reasons": list(reasons)}, idempotent=False)

    def screen_out(self, study_id: str, submission_ids: list[str], bonus: Decimal) -> dict:
        """``POST /studies/{id}/screen-out-submissions/``: submissions of a custom-screening study
        become SCREENED OUT and each is paid ``bonus`` (study currency). NOT idempotent."""
        body = {"submission_ids": list(submission_ids), "bonus_per_submission": float(bonus),
                "increase_places": False}  # places are raised by our own ledger, within its cap
        return self.request("POST", f"studies/{study_id}/screen-out-submissions/", json=body,
                            idempotent=False)

    # -- bonuses ------------------------------------------------------------------------------

    def setup_bonuses(self, study_id: str, csv_bonuses: str) -> BonusSetup:
        """``POST /submissions/bonus-payments/``: sets up (does not pay) a bulk bonus payment.

        ``csv_bonuses`` is ``"PID,amount\\n..."`` with amounts in the study's currency (e.g. 0.40).
        """
        data = self.request(
            "POST",
            "submissions/bonus-payments/",
            json={"study_id": study_id, "csv_bonuses": csv_bonuses},
            idempotent=False,
        )
        return BonusSetup.from_json(data)

    def pay_bonuses(self, setup_id: str) -> dict:
        """``POST /bulk-bonus-payments/{id}/pay/``. NOT idempotent: a repeated call pays twice.

        Use :func:`studies.prolific.payouts.pay_bonuses`, which keeps a ledger, instead.
        """
        return self.request("POST", f"bulk-bonus-payments/{setup_id}/pay/", idempotent=False)


def _never_connected(exc: requests.ConnectionError) -> bool:
    text = str(exc)
    return "Connection refused" in text or "Failed to establish a new connection" in text
