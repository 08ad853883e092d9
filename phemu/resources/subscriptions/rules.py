"""Subscription validation in PostHog's order: field rules, then the serializer's ``validate()``.

PostHog's ``SubscriptionSerializer`` is a DRF ``ModelSerializer``: fields are validated in
declaration order and only the first error is reported, so fields are listed once, in that
order, with their DRF flags (required, nullable, blank). Form bodies follow DRF's HTML-input
rules (an empty string is ``null`` for nullable fields, a missing boolean is ``false``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from phemu.context import FormBody
from phemu.context import list_value
from phemu.errors import Msg
from phemu.errors import ValidationError
from phemu.fields import MISSING
from phemu.fields import parse_bool
from phemu.fields import parse_choice
from phemu.fields import parse_datetime
from phemu.fields import parse_int
from phemu.fields import parse_list
from phemu.fields import parse_pk
from phemu.fields import parse_text
from phemu.resources.dashboards.models import DashboardsState
from phemu.resources.insights.models import InsightsState
from phemu.resources.subscriptions.schedule import FREQUENCIES
from phemu.resources.subscriptions.schedule import WEEKDAYS
from phemu.resources.subscriptions.webhook_url import webhook_url_problem

if TYPE_CHECKING:
    from phemu.resources.subscriptions.models import Subscription
    from phemu.store import Store

TARGET_TYPES = ("email", "slack", "webhook")

#: Canonical string objects, so stored rows share them instead of holding one copy each.
_CANONICAL = {name: name for name in (*TARGET_TYPES, *FREQUENCIES, *WEEKDAYS)}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "pk", "choice", "text", "int", "list", "datetime", "bool"
    required: bool = False
    nullable: bool = False
    allow_blank: bool = False


#: The writable fields in the serializer's order (``SubscriptionSerializer``).
FIELDS: tuple[Field, ...] = (
    Field("dashboard", "pk", nullable=True),
    Field("insight", "pk", nullable=True),
    Field("target_type", "choice", required=True),
    Field("target_value", "text", required=True),
    Field("frequency", "choice", required=True),
    Field("interval", "int"),
    Field("byweekday", "list", nullable=True),
    Field("bysetpos", "int", nullable=True),
    Field("count", "int", nullable=True),
    Field("start_date", "datetime", required=True),
    Field("until_date", "datetime", nullable=True),
    Field("deleted", "bool"),
    Field("title", "text", nullable=True, allow_blank=True),
    Field("invite_message", "text", nullable=True, allow_blank=True),
)
FIELD_NAMES = frozenset(f.name for f in FIELDS)


def _raw(data: Mapping[str, Any], spec: Field, partial: bool) -> Any:
    """The value DRF's ``Field.get_value`` would see, or ``MISSING``."""
    if not isinstance(data, FormBody):
        return data.get(spec.name, MISSING)
    if spec.name not in data:
        if not partial and spec.kind == "bool":
            return False  # BooleanField.default_empty_html
        return MISSING
    if spec.kind == "list":
        return list_value(data, spec.name)
    value = data[spec.name]
    if value == "":
        if spec.nullable:
            return "" if spec.allow_blank else None
        if not spec.required:
            return "" if spec.allow_blank else MISSING
    return value


def _weekday(value: Any, name: str) -> str:
    if value is None:
        raise ValidationError(Msg.NULL, code="null", attr=name)
    return _CANONICAL[parse_choice(value, name, WEEKDAYS)]


def _parse(store: Store, spec: Field, value: Any, *, lenient: bool) -> Any:
    name = spec.name
    if spec.kind == "pk":
        table: DashboardsState | InsightsState = (
            store.state(DashboardsState) if name == "dashboard" else store.state(InsightsState)
        )

        def exists(pk: int) -> bool:
            found = table.get(pk)
            return found is not None and (lenient or not found.deleted)

        return parse_pk(value, name, exists)
    if spec.kind == "choice":
        choices = TARGET_TYPES if name == "target_type" else FREQUENCIES
        return _CANONICAL[parse_choice(value, name, choices)]
    if spec.kind == "text":
        return parse_text(
            value,
            name,
            allow_blank=spec.allow_blank,
            max_length=100 if name == "title" else None,
        )
    if spec.kind == "int":
        if name == "interval":
            return parse_int(value, name, min_value=1)
        return parse_int(value, name)
    if spec.kind == "list":
        return tuple(parse_list(value, name, _weekday))
    if spec.kind == "datetime":
        return parse_datetime(value, name)
    return parse_bool(value, name)


def validate_fields(
    store: Store, data: Mapping[str, Any], *, creating: bool, partial: bool, lenient: bool = False
) -> dict[str, Any]:
    """The validated values of the fields present (with create defaults), first error raised.

    ``partial`` is PATCH; PUT is ``creating=False, partial=False`` (required fields enforced,
    absent optional fields untouched). ``lenient`` (seeds) accepts soft-deleted targets, so an
    exported subscription whose insight was deleted later can be loaded back.
    """
    values: dict[str, Any] = {}
    for spec in FIELDS:
        raw = _raw(data, spec, partial)
        if raw is MISSING:
            if spec.required and not partial:
                raise ValidationError(Msg.REQUIRED, code="required", attr=spec.name)
            continue
        if raw is None:
            if not spec.nullable:
                raise ValidationError(Msg.NULL, code="null", attr=spec.name)
            values[spec.name] = None
            continue
        values[spec.name] = _parse(store, spec, raw, lenient=lenient)
    if creating:
        values.setdefault("interval", 1)
        values.setdefault("deleted", False)
    return values


def content_type_of(values: Mapping[str, Any]) -> str:
    """What a new subscription delivers, as PostHog's 2026 serializer infers it when the request
    has no ``content_type``: ``dashboard`` when one is set, else ``insight``."""
    return "dashboard" if values.get("dashboard") is not None else "insight"


def check_object(
    store: Store,
    project: int,
    values: Mapping[str, Any],
    instance: Subscription | None,
    *,
    profile: str = "docs",
    empty_body: bool = False,
    stored: bool = False,
) -> None:
    """The serializer's ``validate()`` for the profile's date (``ee/api/subscription.py``).

    ``docs`` (November 2025): "Either dashboard or insight is required for an export." only
    under ``if not self.initial_data``, i.e. for an empty request body (a PATCH ``{}``: a POST
    or PUT ``{}`` fails on a required field first), then the team checks; no rule against
    setting both. ``cloud`` (2026): the team checks, then the content rules, where the content
    type is pinned at creation (``dashboard`` if one was set, else ``insight``) and a value
    sent as ``null`` falls back to the stored one. Both end with the webhook URL check.
    ``stored``: a seed record that names its ``content_type`` is a stored row, whose content
    rules held when it was written (a PATCH may have cleared its target since).
    """
    if profile == "docs" and empty_body:
        raise ValidationError(Msg.EXPORT_NEEDS_RESOURCE)
    dashboard, insight = values.get("dashboard"), values.get("insight")
    dashboards, insights = store.state(DashboardsState), store.state(InsightsState)
    if dashboard is not None:
        found_dashboard = dashboards.get(dashboard)
        if found_dashboard is not None and found_dashboard.project != project:
            raise ValidationError(Msg.DASHBOARD_NOT_YOUR_TEAM, attr="dashboard")
    if insight is not None:
        found_insight = insights.get(insight)
        if found_insight is not None and found_insight.project != project:
            raise ValidationError(Msg.INSIGHT_NOT_YOUR_TEAM, attr="insight")
    if profile == "cloud" and not stored:
        _check_content(values, instance)
    merged: Callable[[str], Any] = (
        values.get
        if instance is None
        else (lambda key: values[key] if key in values else getattr(instance, key))
    )
    target_sent = "target_value" in values or "target_type" in values
    if target_sent and merged("target_type") == "webhook":
        problem = webhook_url_problem(merged("target_value"))
        if problem is not None:
            raise ValidationError(
                Msg.INVALID_WEBHOOK_URL.format(reason=problem), attr="target_value"
            )


def _check_content(values: Mapping[str, Any], instance: Subscription | None) -> None:
    """The 2026 serializer's insight/dashboard rules (no ``prompt`` field: phemu has no AI
    subscriptions, so the prompt is always empty)."""
    sent_insight, sent_dashboard = values.get("insight"), values.get("dashboard")
    stored_insight = instance.insight if instance is not None else None
    stored_dashboard = instance.dashboard if instance is not None else None
    has_insight = sent_insight is not None or stored_insight is not None
    has_dashboard = sent_dashboard is not None or stored_dashboard is not None
    kind = instance.content_type if instance is not None else content_type_of(values)
    if kind == "insight":
        if not has_insight:
            raise ValidationError(Msg.INSIGHT_REQUIRED, attr="insight")
        if sent_dashboard is not None:
            raise ValidationError(Msg.INSIGHT_SUBSCRIPTION_BOTH, attr="insight")
    else:
        if not has_dashboard:
            raise ValidationError(Msg.DASHBOARD_REQUIRED, attr="dashboard")
        if sent_insight is not None:
            raise ValidationError(Msg.DASHBOARD_SUBSCRIPTION_BOTH)
