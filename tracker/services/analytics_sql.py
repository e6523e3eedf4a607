"""SQL building blocks of the analytics queries that SQLite and PostgreSQL spell differently.

Each is one ``FunctionElement`` compiled per dialect, so that a query is written once and gives
the same rows on both: the Monday of a timestamp's ISO week, the first of its month, its day,
and whole days between two dates. A median is computed with window functions (SQLite has no
``percentile_cont``) by :func:`medians`.
"""

from __future__ import annotations

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


def held_sessions(now: Any) -> Any:
    """Sessions that took place: not cancelled and started by ``now`` (the rule of
    :mod:`tracker.domain.attendance`)."""
    return and_(ActivitySession.cancelled.is_(False), ActivitySession.starts_at <= now)


def medians(s: Session, values: Select[Any]) -> dict[Hashable, float]:
    """The median of ``value`` per ``key`` of a two-column select ``(key, value)``: the middle
    row, or the mean of the two middle rows, ranked by window functions."""
    sub = values.subquery()
    key, value = sub.c[0], sub.c[1]
    ranked = select(
        key.label("k"), value.label("v"),
        func.row_number().over(partition_by=key, order_by=value).label("rn"),
        func.count().over(partition_by=key).label("n"),
    ).subquery()
    middle = select(ranked.c.k, func.avg(ranked.c.v)).where(
        (ranked.c.rn * 2).in_([ranked.c.n, ranked.c.n + 1, ranked.c.n + 2])).group_by(ranked.c.k)
    return {k: round(float(v), 1) for k, v in s.execute(middle) if v is not None}


def rate(part: int, whole: int) -> float | None:
    """``part`` ÷ ``whole`` as a percentage with one decimal; None when there is no whole."""
    return round(100.0 * part / whole, 1) if whole else None
