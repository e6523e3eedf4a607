"""SQL building blocks of the analytics queries that SQLite and PostgreSQL spell differently.

Each is one ``FunctionElement`` compiled per dialect, so that a query is written once and gives
the same rows on both: the Monday of a timestamp's ISO week, the first of its month, its day,
and whole days between two dates. SQLite has no ``percentile_cont``: :func:`medians` and
:func:`medians_and_overall` count the values in SQL and find the middle of the counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from typing import Any

from sqlalchemy import Date, Integer, Select, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

from tracker.db.models import ActivitySession


class week_start(FunctionElement[Any]):  # noqa: N801 - an SQL function's name
    """The Monday of the ISO week of a date or timestamp, as a date."""

    type = Date()
    inherit_cache = True


class month_start(FunctionElement[Any]):  # noqa: N801
    """The first day of the month of a date or timestamp, as a date."""

    type = Date()
    inherit_cache = True


class day_of(FunctionElement[Any]):  # noqa: N801
    """The day of a timestamp (or a date itself), as a date."""

    type = Date()
    inherit_cache = True


class days_between(FunctionElement[Any]):  # noqa: N801
    """Whole days from the second argument's day to the first's (later − earlier)."""

    type = Integer()
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    # six days back, then forward to the next Monday: the Monday on or before the day
    return f"date({_args(element, compiler, **kw)[0]}, '-6 days', 'weekday 1')"


@compiles(week_start)
def _week_start_default(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('week', {_args(element, compiler, **kw)[0]}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({_args(element, compiler, **kw)[0]}, 'start of month')"


@compiles(month_start)
def _month_start_default(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {_args(element, compiler, **kw)[0]}) AS DATE)"


@compiles(day_of, "sqlite")
def _day_of_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({_args(element, compiler, **kw)[0]})"


@compiles(day_of)
def _day_of_default(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({_args(element, compiler, **kw)[0]} AS DATE)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(julianday(date({later})) - julianday(date({earlier})) AS INTEGER)"


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


def plain_rows(s: Session, statement: Any) -> Any:
    """The rows of a select of plain columns, as Core rows from the session's connection
    (flushed first, as the ORM's execute would): the ORM's result processing adds nothing to
    columns, and analytics run a dozen GROUP BYs per page."""
    s.flush()
    return s.connection().execute(statement)


def held_sessions(now: Any) -> Any:
    """Sessions that took place: not cancelled and started by ``now`` (the rule of
    :mod:`tracker.domain.attendance`)."""
    return and_(ActivitySession.cancelled.is_(False), ActivitySession.starts_at <= now)


def medians(s: Session, values: Select[Any]) -> dict[Hashable, float]:
    """The median of ``value`` per ``key`` of a two-column select ``(key, value)``: the middle
    value, or the mean of the two middle values (NULL values left out)."""
    return medians_and_overall(s, values)[0]


def medians_and_overall(s: Session, values: Select[Any]) -> tuple[dict[Hashable, float], float | None]:
    """:func:`medians` per key and, from the same rows, the median of every value whatever its
    key (None when there are none). SQL counts how often each value occurs per key (one GROUP BY:
    a few rows per key, since the values are whole days); the middle of those counts is found
    here."""
    sub = values.subquery()
    key, value = sub.c[0], sub.c[1]
    counts: dict[Hashable, list[tuple[Any, int]]] = defaultdict(list)
    every: Counter[Any] = Counter()
    for k, v, n in plain_rows(s, select(key, value, func.count()).where(value.is_not(None))
                             .group_by(key, value).order_by(key, value)):
        counts[k].append((v, int(n)))
        every[v] += int(n)
    per_key = {k: _middle(pairs) for k, pairs in counts.items()}
    return per_key, (_middle(sorted(every.items())) if every else None)


def _middle(pairs: list[tuple[Any, int]]) -> float:
    """The median of values given in order with how often each occurs."""
    total = sum(n for _v, n in pairs)
    low, high = (total - 1) // 2, total // 2  # the middle positions (the same one when odd)
    seen, found = 0, []
    for v, n in pairs:
        for position in (low, high):
            if seen <= position < seen + n:
                found.append(float(v))
        seen += n
        if len(found) == 2:
            break
    return round(sum(found) / 2, 1)


def rate(part: int, whole: int) -> float | None:
    """``part`` ÷ ``whole`` as a percentage with one decimal; None when there is no whole."""
    return round(100.0 * part / whole, 1) if whole else None
