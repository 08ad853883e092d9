"""Writes through schema operations are what the next reads return.

For every collection the generic resource serves with a create a personal key may call: the
created object is in the next list and is the next retrieve; a PATCH is seen by the next
retrieve; DELETE removes it (204) or, where PostHog forbids hard deletes (405), PATCH
``deleted: true`` hides it from lists while it stays retrievable. The same holds for another
project's view: nothing leaks between projects.
"""

from __future__ import annotations

from typing import Any

import pytest

from phemu.openapi.index import Operation
from phemu.openapi.index import ResourceModel
from phemu.openapi.index import operation_index
from phemu.openapi.schema import node
from phemu.resources.generic import OperationRoute
from tests.conftest import body
from tests.generic.support import docs_body
from tests.generic.support import place
from tests.generic.support import world

INDEX = operation_index()


def _generic(op: Operation) -> bool:
    """Served by the generic resource (not claimed by a hand-written route) for personal keys."""
    emulator = _EMULATOR
    for route in emulator.routes.routes.values():
        if isinstance(route, OperationRoute) and op in route.schema_ops.values():
            return route.tier(op.method) == "stateful"
    return False


_EMULATOR = world()
CREATES = [
    op
    for op in INDEX
    if op.kind == "create" and op.level == "collection" and op.scopes is not None and _generic(op)
]


def _sibling(model: ResourceModel, kind: str, prefix: str | None) -> Operation | None:
    found = [op for op in model.operations if op.kind == kind and op.scopes is not None]
    return next((op for op in found if op.prefix == prefix), found[0] if found else None)


def _collection_path(op: Operation) -> str:
    where = place(op)
    path = op.path.replace("{project_id}", "1").replace("{organization_id}", where.owner)
    for name, value in zip(op.parents, where.parents, strict=True):
        path = path.replace("{" + name + "}", value)
    return path


def _detail_path(op: Operation, key: str) -> str:
    return _collection_path(op).replace("{" + (op.lookup or "id") + "}", key)


def _key_of(model: ResourceModel, created: dict[str, Any]) -> str | None:
    """The lookup value of an answer, if the documented answer carries it."""
    if model.lookup == "user__uuid":
        user = created.get("user")
        return str(user["uuid"]) if isinstance(user, dict) else None
    field = model.lookup if model.lookup in created else "id"
    return str(created[field]) if field in created else None


def _listed(page: Any) -> list[Any]:
    return page if isinstance(page, list) else page["results"]


def test_there_are_creates_to_check() -> None:
    assert len(CREATES) > 50


@pytest.mark.parametrize("create", CREATES, ids=lambda op: op.operation_id)
def test_created_object_is_listed_retrieved_updated_and_deleted(create: Operation) -> None:
    emulator = world()
    client = emulator.client()
    headers = emulator.auth_headers
    model = INDEX.resources[create.resource]
    response = client.post(_collection_path(create), json=docs_body(create) or {}, headers=headers)
    assert response.status_code == create.status, response.get_data(as_text=True)[:300]
    created = body(response)
    key = _key_of(model, created)

    listing = _sibling(model, "list", create.prefix)
    if listing is not None:
        items = _listed(body(client.get(_collection_path(listing), headers=headers)))
        assert len(items) == 1
        assert _key_of(model, items[0]) == key
    if key is None:
        return  # the documented create answer does not carry the lookup field

    retrieve = _sibling(model, "retrieve", create.prefix)
    if retrieve is not None:
        read = client.get(_detail_path(retrieve, key), headers=headers)
        assert read.status_code == 200
        assert _key_of(model, body(read)) == key

    patch = _sibling(model, "partial_update", create.prefix)
    text_field = _text_field(patch)
    if patch is not None and retrieve is not None and text_field is not None:
        changed = client.patch(
            _detail_path(patch, key), json={text_field: "changed"}, headers=headers
        )
        assert changed.status_code == 200, changed.get_data(as_text=True)[:300]
        assert (
            body(client.get(_detail_path(retrieve, key), headers=headers))[text_field] == "changed"
        )

    destroy = _sibling(model, "destroy", create.prefix)
    if destroy is None:
        return
    gone = client.delete(_detail_path(destroy, key), headers=headers)
    if destroy.destroy == "204":
        assert (gone.status_code, gone.get_data()) == (204, b"")
        if retrieve is not None:
            assert client.get(_detail_path(retrieve, key), headers=headers).status_code == 404
        return
    assert (gone.status_code, gone.get_data()) == (405, b"")
    if model.soft_delete and patch is not None:
        client.patch(_detail_path(patch, key), json={"deleted": True}, headers=headers)
        if listing is not None:
            assert _listed(body(client.get(_collection_path(listing), headers=headers))) == []
        if retrieve is not None:
            read = client.get(_detail_path(retrieve, key), headers=headers)
            assert read.status_code == 200
            assert body(read).get("deleted", True) is True


def _text_field(op: Operation | None) -> str | None:
    """A plain writable text field of the PATCH schema (``name``, ``title``...), if any."""
    if op is None or op.request is None:
        return None
    for name, schema in node(op.request).properties:
        flat = node(schema)
        if (
            name in ("name", "title", "description", "label")
            and flat.kind == "string"
            and not flat.read_only
            and flat.enum is None
            and flat.fmt is None
        ):
            return name
    return None
