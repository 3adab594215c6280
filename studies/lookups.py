"""The participant lookups every request makes, with their SQL compiled once per thread.

Django compiles a QuerySet to SQL each time it is evaluated; for a Participant with its study
and condition (``select_related``, about 50 columns) that took about 1.2 ms of CPU here, several
times what PostgreSQL spends answering it, and every participant request makes one or two of
them (``session_of``; the row lock of a POST). A :class:`Compiled` lookup is an ordinary
QuerySet built once with placeholder values, compiled once per thread and database connection,
and executed with the request's values; its rows become model instances as Django's
``ModelIterable`` makes them (``from_db``, the select_related populators, the fields'
converters), so callers get the same objects. The study's spec JSON and YAML text are deferred:
``runtime.spec_of`` keeps the parsed spec per process and reads them only when it changed.
A :class:`CompiledUpdate` does the same for a conditional UPDATE (a progress report's claim,
:data:`CLAIM_STATE`: building and compiling it took about a third of a report's CPU; a page
view's claim, :func:`page_claim`).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import sql
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

from .models import Participant

#: Study columns a participant request never needs from the row (runtime.spec_of reads them
#: once per spec version).
HEAVY_STUDY_FIELDS = ("study__spec", "study__source_yaml")


class _PerConnection:
    """A statement compiled once per thread and database connection: ``_compile(connection,
    alias)`` returns the plan, a tuple that starts with (connection, vendor)."""

    def __init__(self, build, types: dict, markers: dict):
        self.build, self.names, self.markers = build, tuple(types), markers
        self._local = threading.local()

    def _plan(self, alias: str):
        connection = connections[alias]
        plans = self._local.__dict__.setdefault("plans", {})
        plan = plans.get(alias)
        if plan is None or plan[0] is not connection or plan[1] != connection.vendor:
            plan = plans[alias] = self._compile(connection, alias)
        return plan


class Compiled(_PerConnection):
    """``build(**markers)`` -> QuerySet (a single model, optionally select_related); ``types``
    names each value the query compares with (``str`` or ``int``), given to :meth:`all`."""

    def __init__(self, build, **types: type):
        super().__init__(build, types, {
            name: f"\x1flookup-{name}\x1f" if kind is str else -(2**62) - i
            for i, (name, kind) in enumerate(types.items())})

    def _compile(self, connection, alias: str):
        markers = self.markers
        queryset = self.build(**markers)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        order = [next((n for n, m in markers.items() if m == p), None) for p in params]
        if None in order or sorted(order) != sorted(self.names):
            raise ValueError(f"cannot compile {queryset.query}: parameters {params!r}")
        info = compiler.klass_info
        first, last = info["select_fields"][0], info["select_fields"][-1] + 1
        fields = [s[0] for s in compiler.select[:compiler.col_count]]
        return (connection, connection.vendor, sql, order, compiler, info["model"],
                [f[0].target.attname for f in compiler.select[first:last]], (first, last),
                get_related_populators(info, compiler.select, alias),
                compiler.get_converters(fields), bool(queryset.query.select_for_update))

    def all(self, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        (connection, _, sql, order, compiler, model, init, (first, last), populators,
         converters, for_update) = self._plan(using)
        if for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(sql, [values[name] for name in order])
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        out = []
        for row in rows:
            obj = model.from_db(using, init, row[first:last])
            for populator in populators:
                populator.populate(row, obj)
            out.append(obj)
        return out

    def first(self, **values):
        found = self.all(**values)
        return found[0] if found else None


#: The first datetime marker of a :class:`CompiledUpdate` (the others follow it by a microsecond).
_MARKER_TIME = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


class CompiledUpdate(_PerConnection):
    """``build(**markers)`` -> (QuerySet, {field: marker}): the rows an UPDATE changes and the
    values it sets; ``types`` names each value (``str``, ``int``, ``datetime`` (aware), or
    ``dict`` for a JSON field with the default encoder), given to :meth:`run`. Compiled once per thread and database
    connection by Django's own UPDATE compiler; each value is adapted as that compiler adapted
    its marker (psycopg's ``Jsonb`` or SQLite's JSON text for a JSON field, ``Int4`` for an
    integer field)."""

    def __init__(self, build, **types: type):
        super().__init__(build, types, {
            name: {"\x1fupdate": name} if kind is dict else
            f"\x1fupdate-{name}\x1f" if kind is str else
            _MARKER_TIME + timedelta(microseconds=i) if kind is datetime else 2**30 + i
            for i, (name, kind) in enumerate(types.items())})

    def _compile(self, connection, alias: str):
        queryset, values = self.build(**self.markers)
        query = queryset.query.chain(sql.UpdateQuery)
        query.add_update_values(values)
        text, params = query.get_compiler(using=alias).as_sql()
        slots = [self._slot(connection, p) for p in params]
        if sorted(name for name, _ in slots) != sorted(self.names):
            raise ValueError(f"cannot compile {text}: parameters {params!r}")
        return (connection, connection.vendor, text, slots)

    def _slot(self, connection, param):
        """(name, adapt) of one parameter the compiler gave for a marker: adapt turns a run's
        value into what the compiler would have given (None: the value as it is)."""
        json = connection.ops.adapt_json_value  # a JSON field's value (default encoder)
        when = connection.ops.adapt_datetimefield_value  # a DateTimeField's value
        for name, marker in self.markers.items():
            if isinstance(marker, datetime):
                given = when(marker)
                if type(param) is type(given) and param == given:
                    return name, when
            elif isinstance(marker, dict):
                given = json(marker, None)
                if getattr(param, "obj", param) == getattr(given, "obj", given) and \
                        type(param) is type(given):
                    return name, lambda value: json(value, None)
            elif isinstance(param, type(marker)) and param == marker:
                return name, None if type(param) in (str, int) else type(param)  # e.g. Int4
        raise ValueError(f"cannot compile an UPDATE: parameter {param!r} is no marker")

    def run(self, using: str = DEFAULT_DB_ALIAS, **values) -> int:
        """Execute with these values; the number of rows changed."""
        connection, _, text, slots = self._plan(using)
        params = [values[name] if adapt is None else adapt(values[name]) for name, adapt in slots]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(text, params)
            return cursor.rowcount


def _with_study(queryset):
    return queryset.select_related("study", "condition").defer(*HEAVY_STUDY_FIELDS)


#: The participant of a signed cookie's token in study ``slug`` (``identity.session_of``).
BY_TOKEN = Compiled(lambda slug, token: _with_study(Participant.objects.filter(
    study__slug=slug, token=token))[:1], slug=str, token=str)

#: The participant ``pk``, its row locked (``SELECT ... FOR UPDATE OF``; inside a transaction).
LOCKED = Compiled(lambda pk: _with_study(Participant.objects.select_for_update(of=("self",))
                                         .filter(pk=pk)), pk=int)

#: A progress report's claim (``beacons``): the participant's new step state, on the condition
#: that status, step, page nonce and state are still what the report read.
CLAIM_STATE = CompiledUpdate(
    lambda pk, status, step_index, page_nonce, read, state: (Participant.objects.filter(
        pk=pk, status=status, step_index=step_index, page_nonce=page_nonce, state=read),
        {"state": state}),
    pk=int, status=str, step_index=int, page_nonce=str, read=dict, state=dict)


def _page_claim(read_clock: bool, state: bool) -> CompiledUpdate:
    def build(pk, status, step_index, page_nonce, new_nonce, now, **more):
        seen = {"step_started_at": more["read_started"]} if read_clock else \
            {"step_started_at__isnull": True}
        sets = {"page_nonce": new_nonce, "last_seen_at": now}
        if not read_clock:
            sets["step_started_at"] = more["started"]
        if state:
            sets["state"] = more["state"]
        return (Participant.objects.filter(pk=pk, status=status, step_index=step_index,
                                           page_nonce=page_nonce, **seen), sets)

    types = {"pk": int, "status": str, "step_index": int, "page_nonce": str, "new_nonce": str,
             "now": datetime}
    return CompiledUpdate(build, **types, **({"read_started": datetime} if read_clock else {"started": datetime}),
                          **({"state": dict} if state else {}))


_PAGE_CLAIMS = {(clock, state): _page_claim(clock, state)
                for clock in (False, True) for state in (False, True)}


def page_claim(read_started, state: bool) -> CompiledUpdate:
    """A page view's claim (``flow._show_unlocked``): the new nonce and last-seen time (and the
    step clock where the page read none, ``started``; and with ``state``, the state the page's
    context set up), on the condition that status, step, page nonce and step clock are still
    what the page read (``read_started``: the step clock read, or None)."""
    return _PAGE_CLAIMS[read_started is not None, state]
