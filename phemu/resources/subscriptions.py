"""``{prefix}/subscriptions/``: create, list, retrieve, PUT, PATCH, soft delete (subscriptions.md).

The model, indexes and JSON shape live in ``subscription_model``; validation in
``subscription_rules``; the schedule in ``subscription_schedule``; outbox and scheduler in
``subscription_delivery``; seeds in ``subscription_seed``. This module holds the operations they
share (:func:`create`, :func:`update`, used by HTTP, seeds and the ``Emulator`` methods alike),
the handlers and the routes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import NotFound
from phemu.errors import ServerError
from phemu.fields import expect_object
from phemu.fields import lookup_int
from phemu.fields import truthy_query
from phemu.pagination import paginate
from phemu.resources._base import Resource
from phemu.resources._base import json_response
from phemu.resources.subscription_delivery import on_tick
from phemu.resources.subscription_delivery import value_change_entry
from phemu.resources.subscription_model import Subscription
from phemu.resources.subscription_model import SubscriptionsState
from phemu.resources.subscription_model import list_page
from phemu.resources.subscription_model import render
from phemu.resources.subscription_rules import check_object
from phemu.resources.subscription_rules import content_type_of
from phemu.resources.subscription_rules import validate_fields
from phemu.resources.subscription_schedule import first_delivery
from phemu.resources.subscription_seed import SECTION
from phemu.routing import Route

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.emulator import Emulator

SEQUENCE = "subscription"


# -- operations shared by HTTP, seeds and the Python API --------------------------------------


def create(
    emulator: Emulator,
    project: int,
    data: Mapping[str, Any],
    *,
    user_id: int | None,
    notify: bool = True,
) -> Subscription:
    """Validate ``data`` as ``POST`` does and store the new subscription (§4)."""
    store = emulator.store
    with store.lock:
        values = validate_fields(store, data, creating=True, partial=False)
        check_object(store, project, values, None, profile=emulator.profile, empty_body=not data)
        invite_message = values.pop("invite_message", None)
        now = emulator.clock.now()
        sub = Subscription(
            id=0,
            project=project,
            created_at=now,
            created_by=user_id,
            content_type=content_type_of(values),
            **values,
        )
        # Computed before the id is taken: a rule dateutil rejects fails the save (§9.3).
        next_delivery = first_delivery(sub.rule(), now)
        sub.id = store.next_id(SEQUENCE)
        sub.next_delivery_date = next_delivery
        store.state(SubscriptionsState).add(sub)
    if notify:
        emulator.outbox.append(value_change_entry(sub, now, "", invite_message))
    return sub


def update(
    emulator: Emulator,
    sub: Subscription,
    data: Mapping[str, Any],
    *,
    partial: bool,
    notify: bool = True,
) -> Subscription:
    """Validate ``data`` as ``PATCH`` (``partial``) or ``PUT`` does and apply it (§6)."""
    store = emulator.store
    state = store.state(SubscriptionsState)
    with store.lock:
        values = validate_fields(store, data, creating=False, partial=partial)
        check_object(store, sub.project, values, sub, profile=emulator.profile, empty_body=not data)
        invite_message = values.pop("invite_message", None)
        now = emulator.clock.now()
        old_rule = sub.rule()
        old_target = (sub.target_type, sub.target_value)
        was_deleted = sub.deleted
        changed = dataclasses.replace(sub, **values)
        new_rule = changed.rule()
        next_delivery = sub.next_delivery_date
        if new_rule != old_rule:
            next_delivery = first_delivery(new_rule, now)  # may fail before anything changes

        def apply() -> None:
            for name, value in values.items():
                setattr(sub, name, value)
            sub.next_delivery_date = next_delivery

        state.reindex(sub, apply)
        if new_rule != old_rule or (was_deleted and not sub.deleted):
            state.schedule(sub)
    if notify and (sub.target_type, sub.target_value) != old_target:
        emulator.outbox.append(value_change_entry(sub, now, old_target[1], invite_message))
    return sub


# -- request helpers ------------------------------------------------------------------------


def _int_filter(raw: str | None) -> int | None:
    """An ``insight``/``dashboard`` filter; PostHog's ORM fails with a 500 on non-integers.

    ``queryset.filter(insight_id=raw)`` raises Django's ``ValueError`` outside any 404 guard, for
    letters and for more digits than ``int()`` converts (4,300) alike.
    """
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ServerError() from None


def _filters(ctx: RequestContext) -> tuple[bool | None, int | None, int | None]:
    """``deleted``, ``insight``, ``dashboard`` as PostHog reads them (last value wins)."""
    query = ctx.query

    def last(name: str) -> str | None:
        values = query.getlist(name)
        return values[-1] if values else None

    deleted_raw = last("deleted")
    deleted = truthy_query(deleted_raw) if deleted_raw is not None else None
    return deleted, _int_filter(last("insight")), _int_filter(last("dashboard"))


def _matches(
    sub: Subscription, deleted: bool | None, insight: int | None, dashboard: int | None
) -> bool:
    return (
        (deleted is None or sub.deleted == deleted)
        and (insight is None or sub.insight == insight)
        and (dashboard is None or sub.dashboard == dashboard)
    )


def _lookup(ctx: RequestContext) -> Subscription:
    """The subscription of the URL, in this project, passing the query filters (§5)."""
    deleted, insight, dashboard = _filters(ctx)
    pk = lookup_int(ctx.path_values["pk"])
    sub = ctx.store.state(SubscriptionsState).get(pk) if pk is not None else None
    if sub is None or sub.project != ctx.project_id:
        raise NotFound()
    if not _matches(sub, deleted, insight, dashboard):
        raise NotFound()
    return sub


# -- handlers ------------------------------------------------------------------------------


def list_(ctx: RequestContext) -> Response:
    deleted, insight, dashboard = _filters(ctx)
    store = ctx.store
    state = store.state(SubscriptionsState)
    with store.lock:
        state.use_order(by_created=ctx.emulator.profile == "cloud")
        ids, scan = state.candidates(ctx.project_id, bool(deleted), insight, dashboard)
        if scan:
            rows = state.rows
            ids = [i for i in ids if _matches(rows[i], bool(deleted), insight, dashboard)]
        body = paginate(
            ctx.request,
            len(ids),
            lambda offset, limit: [state.rows[i] for i in list_page(state, ids, offset, limit)],
            lambda sub: render(store, sub),
        )
    return json_response(body)


def create_(ctx: RequestContext) -> Response:
    data = expect_object(ctx.body)
    sub = create(ctx.emulator, ctx.project_id, data, user_id=ctx.owner.id)
    return json_response(render(ctx.store, sub), 201)


def retrieve(ctx: RequestContext) -> Response:
    return json_response(render(ctx.store, _lookup(ctx)))


def _update(ctx: RequestContext, *, partial: bool) -> Response:
    sub = _lookup(ctx)
    data = expect_object(ctx.body)
    update(ctx.emulator, sub, data, partial=partial)
    return json_response(render(ctx.store, sub))


def put(ctx: RequestContext) -> Response:
    return _update(ctx, partial=False)


def patch(ctx: RequestContext) -> Response:
    return _update(ctx, partial=True)


def inspect(emulator: Emulator) -> dict[str, Any]:
    state = emulator.store.state(SubscriptionsState)
    return {
        "count": len(state.rows),
        "deleted": sum(1 for s in state.rows.values() if s.deleted),
    }


RESOURCE = Resource(
    name="subscriptions",
    routes=(
        Route(
            "/subscriptions/",
            "subscriptions.list",
            {"GET": list_, "POST": create_},
            "subscription",
            name="Subscription List",
        ),
        Route(
            "/subscriptions/<pk>/",
            "subscriptions.detail",
            {"GET": retrieve, "PUT": put, "PATCH": patch},
            "subscription",
            forbid_destroy=True,
            name="Subscription Instance",
        ),
    ),
    seed_sections=(SECTION,),
    on_tick=on_tick,
    inspect=inspect,
)
