"""A local stand-in for Prolific's researcher API, for tests.

It runs ``http.server`` in a thread on 127.0.0.1 (random port), answers the documented endpoints
the platform uses, keeps state (studies, submissions and their statuses, bonus set-ups, payments,
screen-outs), checks the ``Authorization: Token ...`` header and records every request. Like the
real thing, paying the same bulk bonus payment twice pays twice, so tests can prove our side
prevents it; a study's ``filters`` are checked against the filter list it serves (``FILTERS``:
Prolific's shapes, ids and choices as its filter list gives them, a subset).

    with FakeProlific(token="t") as fake:
        fake.add_submission("study1", "PID1", status="AWAITING REVIEW")
        client = ProlificClient(token="t", base_url=fake.url)
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    body: dict | None
    authorized: bool


@dataclass
class State:
    studies: dict = field(default_factory=dict)
    submissions: dict = field(default_factory=dict)
    setups: dict = field(default_factory=dict)
    payments: list = field(default_factory=list)
    screen_outs: list = field(default_factory=list)  # (participant_id, amount) per screen-out
    return_requests: list = field(default_factory=list)  # (submission id, reasons) per request
    requests: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # queued (status, retry_after) answers


# A subset of Prolific's ``GET /filters/`` answer (select filters: choice id -> label).
FILTERS = [
    {"filter_id": "approval_rate", "title": "Approval Rate", "type": "range",
     "data_type": "integer", "min": 0, "max": 100},
    {"filter_id": "approval_numbers", "title": "Approval Numbers", "type": "range",
     "data_type": "integer", "min": 0, "max": 100000},
    {"filter_id": "age", "title": "Age", "type": "range", "data_type": "integer",
     "min": 18, "max": 100},
    {"filter_id": "fluent-languages", "title": "Fluent languages", "type": "select",
     "data_type": "ChoiceID",
     "choices": {"0": "Afrikaans", "9": "Chinese", "19": "English", "24": "French",
                 "26": "German", "56": "Spanish"}},
    {"filter_id": "highest-education-level-completed", "title": "Highest education level",
     "type": "select", "data_type": "ChoiceID",
     "choices": {"0": "No formal qualifications", "1": "Secondary education (e.g. GED/GCSE)",
                 "2": "High school diploma/A-levels", "3": "Technical/community college",
                 "4": "Undergraduate degree (BA/BSc/other)",
                 "5": "Graduate degree (MA/MSc/MPhil/other)", "6": "Doctorate degree (PhD/other)",
                 "7": "Don't know / not applicable"}},
    {"filter_id": "custom_blocklist", "title": "Custom blocklist", "type": "select",
     "data_type": "ParticipantID", "choices": {}},
]
HOLDS_PLACE = {"RESERVED", "ACTIVE", "AWAITING REVIEW", "APPROVED", "SCREENED OUT",
               "PARTIALLY APPROVED"}


def _new_id() -> str:
    return secrets.token_hex(12)  # Prolific ids are 24 hex characters


class FakeProlific:
    def __init__(self, *, token: str = "test-token", page_size_max: int = 100):
        self.token = token
        self.page_size_max = page_size_max
        self.state = State()
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v1/"

    def start(self) -> FakeProlific:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeProlific:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test controls ------------------------------------------------------------------------

    def add_study(self, study_id: str | None = None, **fields) -> str:
        study_id = study_id or _new_id()
        with self.lock:
            self.state.studies[study_id] = {
                "id": study_id, "name": study_id, "status": "ACTIVE", **fields
            }
        return study_id

    def add_submission(self, study_id: str, participant_id: str, *, status="ACTIVE") -> str:
        submission_id = _new_id()
        with self.lock:
            self.state.studies.setdefault(
                study_id, {"id": study_id, "name": study_id, "status": "ACTIVE"}
            )
            self.state.submissions[submission_id] = {
                "id": submission_id,
                "study_id": study_id,
                "participant_id": participant_id,
                "status": status,
                "started_at": "2026-11-23T00:00:00Z",
                "completed_at": None,
                "entered_code": None,
                "return_requested": None,
            }
        return submission_id

    def set_status(self, submission_id: str, status: str) -> None:
        with self.lock:
            self.state.submissions[submission_id]["status"] = status

    def status_of(self, submission_id: str) -> str:
        return self.state.submissions[submission_id]["status"]

    def fail_next(self, count: int, *, status: int = 503, retry_after: str | None = None):
        """The next ``count`` requests are answered with ``status`` before being handled."""
        with self.lock:
            self.state.failures.extend([(status, retry_after)] * count)

    def calls(self, method: str, path_contains: str) -> list[Recorded]:
        return [
            r for r in self.state.requests if r.method == method and path_contains in r.path
        ]

    def paid_amounts(self) -> Counter:
        """Total bonus actually paid per participant id (counting repeated pay calls)."""
        total: Counter = Counter()
        for payment in self.state.payments:
            for pid, amount in self.state.setups[payment]["rows"]:
                total[pid] += amount
        for pid, amount in self.state.screen_outs:
            total[pid] += amount
        return total

    def places_taken(self, study_id: str) -> int:
        return sum(1 for s in self.state.submissions.values()
                   if s["study_id"] == study_id and s["status"] in HOLDS_PLACE)

    # -- request handling ---------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers, body: bytes):
        parsed = urlparse(raw_path)
        path = parsed.path
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return 400, {"error": "body is not JSON"}
        authorized = headers.get("Authorization") == f"Token {self.token}"
        with self.lock:
            self.state.requests.append(Recorded(method, path, query, data, authorized))
            if self.state.failures:
                status, retry_after = self.state.failures.pop(0)
                return status, {"error": "injected failure", "retry_after": retry_after}
        if not authorized:
            return 401, {"error": {"detail": "Invalid token."}}
        if not path.startswith("/api/v1/"):
            return 404, {"error": "not found"}
        parts = [p for p in path[len("/api/v1/"):].split("/") if p]
        with self.lock:
            return self._route(method, parts, query, data or {})

    def _route(self, method, parts, query, data):
        match (method, parts):
            case ("POST", ["studies"]):
                return self._create_study(data)
            case ("GET", ["filters"]):
                return 200, {"results": FILTERS, "_links": {"next": {"href": None}}}
            case ("GET", ["studies", sid]):
                study = self.state.studies.get(sid)
                if study is None:
                    return 404, {"error": "study not found"}
                return 200, {**study, "places_taken": self.places_taken(sid)}
            case ("PATCH", ["studies", sid]):
                return self._update_study(sid, data)
            case ("POST", ["studies", sid, "screen-out-submissions"]):
                return self._screen_out(sid, data)
            case ("POST", ["studies", sid, "transition"]):
                return self._transition_study(sid, data)
            case ("GET", ["submissions"]):
                return self._list_submissions(query.get("study"), query)
            case ("GET", ["studies", sid, "submissions"]):
                return self._list_submissions(sid, query)
            case ("GET", ["submissions", sub_id]):
                sub = self.state.submissions.get(sub_id)
                return (200, sub) if sub else (404, {"error": "submission not found"})
            case ("POST", ["submissions", "bonus-payments"]):
                return self._setup_bonuses(data)
            case ("POST", ["submissions", sub_id, "request-return"]):
                return self._request_return(sub_id, data)
            case ("POST", ["submissions", sub_id, "transition"]):
                return self._transition_submission(sub_id, data)
            case ("POST", ["bulk-bonus-payments", setup_id, "pay"]):
                if setup_id not in self.state.setups:
                    return 404, {"error": "bulk bonus payment not found"}
                self.state.payments.append(setup_id)  # not idempotent, like Prolific
                return 202, {}
        return 404, {"error": f"no route for {method} /{'/'.join(parts)}/"}

    def _create_study(self, data):
        missing = [k for k in ("name", "external_study_url", "reward", "total_available_places")
                   if k not in data]
        if missing:
            return 400, {"error": {k: ["This field is required."] for k in missing}}
        estimated, maximum = data.get("estimated_completion_time"), data.get("maximum_allowed_time")
        if maximum is not None and (not isinstance(maximum, int) or not isinstance(estimated, int)
                                    or maximum < estimated):
            return 400, {"error": {"maximum_allowed_time": [
                f"must be whole minutes, at least the estimated time: {maximum!r}"]}}
        problem = _check_filters(data.get("filters") or [])
        if problem:
            return 400, {"error": {"filters": [problem]}}
        study_id = _new_id()
        self.state.studies[study_id] = {**data, "id": study_id, "status": "UNPUBLISHED"}
        return 201, self.state.studies[study_id]

    def _update_study(self, sid, data):
        study = self.state.studies.get(sid)
        if study is None:
            return 404, {"error": "study not found"}
        places = data.get("total_available_places")
        if places is not None and (not isinstance(places, int) or places < self.places_taken(sid)):
            return 400, {"error": {"total_available_places": [f"cannot be {places!r}"]}}
        study.update(data)
        return 200, study

    def _screen_out(self, sid, data):
        study = self.state.studies.get(sid)
        if study is None:
            return 404, {"error": "study not found"}
        if not study.get("is_custom_screening"):
            return 400, {"error": {"detail": "study is not a custom screening study"}}
        bonus = data.get("bonus_per_submission")
        ids = data.get("submission_ids") or []
        if not isinstance(bonus, int | float) or bonus < 0 or not ids:
            return 400, {"error": {"detail": "submission_ids and bonus_per_submission needed"}}
        subs = [self.state.submissions.get(i) for i in ids]
        bad = [i for i, sub in zip(ids, subs, strict=True) if sub is None or sub["study_id"] != sid
               or sub["status"] not in ("ACTIVE", "AWAITING REVIEW")]
        if bad:
            return 400, {"error": {"submission_ids": [f"cannot screen out {bad}"]}}
        for sub in subs:
            sub["status"] = "SCREENED OUT"
            self.state.screen_outs.append((sub["participant_id"], Decimal(str(bonus))))
        return 200, {}

    def _transition_study(self, sid, data):
        study = self.state.studies.get(sid)
        if study is None:
            return 404, {"error": "study not found"}
        if data.get("action") != "PUBLISH":
            return 400, {"error": f"unknown action {data.get('action')!r}"}
        study["status"] = "ACTIVE"
        return 200, study

    def _list_submissions(self, sid, query):
        if not sid:
            return 400, {"error": "a study id is required"}
        size = min(int(query.get("page_size", 20)), self.page_size_max)
        page = int(query.get("page", 1))
        items = [s for s in self.state.submissions.values() if s["study_id"] == sid]
        chunk = items[(page - 1) * size: page * size]
        more = page * size < len(items)
        base = f"{self.url}submissions/?study={sid}&page_size={size}"
        return 200, {
            "results": [dict(s) for s in chunk],
            "_links": {"next": {"href": f"{base}&page={page + 1}" if more else None}},
            "meta": {"count": len(items)},
        }

    def _transition_submission(self, sub_id, data):
        sub = self.state.submissions.get(sub_id)
        if sub is None:
            return 404, {"error": "submission not found"}
        if data.get("action") != "APPROVE":
            return 400, {"error": f"unsupported action {data.get('action')!r}"}
        if sub["status"] == "APPROVED":
            return 200, sub  # documented as idempotent
        if sub["status"] != "AWAITING REVIEW":
            return 400, {"error": {"detail": f"Cannot approve a submission in {sub['status']}"}}
        sub["status"] = "APPROVED"
        return 200, sub

    def _request_return(self, sub_id, data):
        sub = self.state.submissions.get(sub_id)
        if sub is None:
            return 404, {"error": "submission not found"}
        reasons = data.get("request_return_reasons")
        if not reasons or not isinstance(reasons, list) or not all(
                isinstance(r, str) and r for r in reasons):
            return 400, {"error": {"request_return_reasons": ["A list of reasons is required."]}}
        if sub["status"] != "AWAITING REVIEW":  # only a completed submission can be asked
            return 400, {"error": {"detail": f"Cannot request a return in {sub['status']}"}}
        sub["return_requested"] = "2026-11-23T01:00:00Z"
        self.state.return_requests.append((sub_id, list(reasons)))  # each call sends a message
        return 200, {"id": sub_id, "status": sub["status"],
                     "participant": sub["participant_id"],
                     "return_requested": sub["return_requested"]}

    def _setup_bonuses(self, data):
        sid = data.get("study_id")
        if sid not in self.state.studies:
            return 400, {"error": {"study_id": ["Study not found."]}}
        known = {s["participant_id"] for s in self.state.submissions.values()
                 if s["study_id"] == sid}
        rows = []
        for line in (data.get("csv_bonuses") or "").strip().splitlines():
            pid, _, amount = line.partition(",")
            try:
                value = Decimal(amount)
            except InvalidOperation:
                return 400, {"error": {"csv_bonuses": [f"Invalid amount in {line!r}"]}}
            if pid not in known:
                return 400, {"error": {"csv_bonuses": [f"{pid} has no submission in {sid}"]}}
            if value <= 0:
                return 400, {"error": {"csv_bonuses": [f"Amount must be positive: {line!r}"]}}
            rows.append((pid, value))
        if not rows:
            return 400, {"error": {"csv_bonuses": ["No bonuses given."]}}
        setup_id = _new_id()
        pence = int(sum(v for _, v in rows) * 100)
        self.state.setups[setup_id] = {"rows": rows, "study": sid}
        return 201, {"id": setup_id, "study": sid, "amount": pence,
                     "fees": pence // 3, "total_amount": pence + pence // 3}


def _check_filters(filters: list) -> str:
    """'' when every filter has Prolific's shape and known ids and values, else the problem."""
    known = {f["filter_id"]: f for f in FILTERS}
    for f in filters:
        spec = known.get(f.get("filter_id"))
        if spec is None:
            return f"unknown filter_id {f.get('filter_id')!r}"
        if spec["type"] == "range":
            bounds = f.get("selected_range") or {}
            if not bounds or set(bounds) - {"lower", "upper"} or any(
                    not spec["min"] <= v <= spec["max"] for v in bounds.values()):
                return f"bad selected_range for {spec['filter_id']}: {bounds!r}"
        else:
            values = f.get("selected_values")
            allowed = spec["choices"]
            if not values or (allowed and any(v not in allowed for v in values)):
                return f"bad selected_values for {spec['filter_id']}: {values!r}"
    return ""


def _handler_for(fake: FakeProlific):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = fake.handle(self.command, self.path, self.headers, body)
            out = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            retry_after = isinstance(payload, dict) and payload.get("retry_after")
            if retry_after:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *args):  # keep test output quiet
            pass

    return Handler
