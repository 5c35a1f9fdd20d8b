"""Queries of upstream's report decisions kept in the book (``report_decisions``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.core.storage.models import UpstreamDecision

__all__ = ["add_new", "cursor", "for_period", "latest_per_period"]


def cursor(session: Session) -> int:
    """The highest server decision id the book holds (0 for none): where the next fetch starts."""
    return int(session.scalar(select(func.max(UpstreamDecision.id))) or 0)


def add_new(session: Session, rows: Sequence[UpstreamDecision]) -> int:
    """Add the decisions the book does not hold yet (by server id); how many were added."""
    ids = [r.id for r in rows]
    known = set(session.scalars(select(UpstreamDecision.id).where(UpstreamDecision.id.in_(ids))))
    fresh = [r for r in rows if r.id not in known]
    session.add_all(fresh)
    return len(fresh)


def for_period(session: Session, period_code: str) -> list[UpstreamDecision]:
    """Every decision on the period's report versions, oldest first."""
    return list(
        session.scalars(
            select(UpstreamDecision)
            .where(UpstreamDecision.period_code == period_code)
            .order_by(UpstreamDecision.decided_at, UpstreamDecision.id)
        )
    )


def latest_per_period(session: Session, limit: int = 20) -> list[UpstreamDecision]:
    """The last decision of each period, newest first (at most ``limit`` periods)."""
    last = (
        select(func.max(UpstreamDecision.id).label("id"))
        .group_by(UpstreamDecision.period_code)
        .subquery()
    )
    return list(
        session.scalars(
            select(UpstreamDecision)
            .join(last, last.c.id == UpstreamDecision.id)
            .order_by(UpstreamDecision.decided_at.desc(), UpstreamDecision.id.desc())
            .limit(limit)
        )
    )
