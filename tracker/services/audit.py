"""Reading the audit log (writes go through UnitOfWork.audit)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tracker.db.models import AuditEntry, User
from tracker.db.uow import read_only
from tracker.domain.policy import Actor, Permission
from tracker.services.base import Service, require


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str | None
    action: str
    entity: str
    entity_id: int | None
    before: Any
    after: Any


class AuditService(Service):
    def recent(self, actor: Actor, *, entity: str | None = None, entity_id: int | None = None,
               limit: int = 200) -> list[AuditRow]:
        with read_only(self.db) as s:
            require(s, actor, Permission.VIEW_AUDIT)
            q = select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.actor_id)
            if entity:
                q = q.where(AuditEntry.entity == entity)
            if entity_id is not None:
                q = q.where(AuditEntry.entity_id == entity_id)
            q = q.order_by(AuditEntry.id.desc()).limit(limit)
            return [
                AuditRow(e.id, e.at, name, e.action, e.entity, e.entity_id,
                         json.loads(e.before) if e.before else None,
                         json.loads(e.after) if e.after else None)
                for e, name in s.execute(q)
            ]
