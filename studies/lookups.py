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
"""

from __future__ import annotations

import threading

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

from .models import Participant

#: Study columns a participant request never needs from the row (runtime.spec_of reads them
#: once per spec version).
HEAVY_STUDY_FIELDS = ("study__spec", "study__source_yaml")


class Compiled:
    """``build(**markers)`` -> QuerySet (a single model, optionally select_related); ``types``
    names each value the query compares with (``str`` or ``int``), given to :meth:`all`."""

    def __init__(self, build, **types: type):
        self.build, self.names = build, tuple(types)
        self.markers = {name: f"\x1flookup-{name}\x1f" if kind is str else -(2**62) - i
                        for i, (name, kind) in enumerate(types.items())}
        self._local = threading.local()

    def _plan(self, alias: str):
        connection = connections[alias]
        plans = self._local.__dict__.setdefault("plans", {})
        plan = plans.get(alias)
        if plan is not None and plan[0] is connection and plan[1] == connection.vendor:
            return plan
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
        plan = (connection, connection.vendor, sql, order, compiler, info["model"],
                [f[0].target.attname for f in compiler.select[first:last]], (first, last),
                get_related_populators(info, compiler.select, alias),
                compiler.get_converters(fields), bool(queryset.query.select_for_update))
        plans[alias] = plan
        return plan

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


def _with_study(queryset):
    return queryset.select_related("study", "condition").defer(*HEAVY_STUDY_FIELDS)


#: The participant of a signed cookie's token in study ``slug`` (``identity.session_of``).
BY_TOKEN = Compiled(lambda slug, token: _with_study(Participant.objects.filter(
    study__slug=slug, token=token))[:1], slug=str, token=str)

#: The participant ``pk``, its row locked (``SELECT ... FOR UPDATE OF``; inside a transaction).
LOCKED = Compiled(lambda pk: _with_study(Participant.objects.select_for_update(of=("self",))
                                         .filter(pk=pk)), pk=int)
