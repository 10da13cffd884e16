"""The audit trail: who changed what, and who saw or exported personal data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from petitions.models import AuditLog


def audit_record(
    *,
    action: str,
    user: User | AnonymousUser | None = None,
    actor: str = "",
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    real_user = user if user is not None and user.is_authenticated else None
    return AuditLog.objects.create(
        user=real_user,
        actor=actor or (real_user.get_username() if real_user else "system"),
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        detail=detail or {},
    )
