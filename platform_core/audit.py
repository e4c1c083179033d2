"""Write audit rows from services, inside the service's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from platform_core.models import AuditLog, User


def audit(
    *,
    acting_user: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditLog:
    if obj is not None:
        # A model that moved between apps keeps the name its audit history has.
        object_type = object_type or getattr(obj, "audit_object_type", obj._meta.label_lower)
        object_id = object_id or str(obj.pk)
    actor = acting_user if acting_user is not None and acting_user.pk else None
    return AuditLog.objects.create(
        actor=actor,
        actor_label=actor.email if actor else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=_jsonable(changes or {}),
    )


def diff(instance: models.Model, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-by-field {name: [old, new]} for the values that actually change."""
    out = {}
    for name, new in new_values.items():
        old = getattr(instance, name, None)
        if old != new:
            out[name] = [old, new]
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
