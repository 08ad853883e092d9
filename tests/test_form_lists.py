"""List fields sent as forms (``application/x-www-form-urlencoded`` and multipart): DRF's
``ListField.get_value`` reads the repeated key (``QueryDict.getlist``), else the indexed form
``key[0]=a&key[1]=b`` (``html.parse_html_list``), which a partial update ignores."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator

COHORTS = "/api/projects/1/cohorts/"
FLAGS = "/api/projects/1/feature_flags/"
FORM = "application/x-www-form-urlencoded"


def send(emulator: Emulator, auth: dict[str, str], method: str, path: str, form: Any, kind: str):
    client = emulator.client()
    if kind == "multipart":
        # werkzeug encodes a dict of lists as multipart with repeated parts.
        return client.open(path, method=method, data=form, headers=auth)
    return client.open(path, method=method, data=form, headers=auth, content_type=FORM)


@pytest.fixture
def two_people(emulator: Emulator) -> tuple[str, str]:
    emulator.events.capture("x", "a")
    emulator.events.capture("x", "b")
    a, b = emulator.persons.get("a"), emulator.persons.get("b")
    assert a is not None and b is not None
    return a.uuid, b.uuid


@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
def test_a_static_cohort_from_a_form_with_repeated_ids(
    emulator: Emulator, auth: dict[str, str], two_people: tuple[str, str], kind: str
) -> None:
    a, b = two_people
    form = {"name": "VIP", "is_static": "true", "_create_static_person_ids": [a, b]}
    created = send(emulator, auth, "POST", COHORTS, form, kind)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["count"] == 2


def test_indexed_ids_are_read_in_index_order(
    emulator: Emulator, auth: dict[str, str], two_people: tuple[str, str]
) -> None:
    a, b = two_people
    form = (
        f"name=VIP&is_static=true&_create_static_person_ids[1]={b}&_create_static_person_ids[0]={a}"
    )
    created = send(emulator, auth, "POST", COHORTS, form, "urlencoded")
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["count"] == 2


def test_item_errors_name_their_index(emulator: Emulator, auth: dict[str, str]) -> None:
    form = "name=VIP&is_static=true&_create_static_person_ids=ok&_create_static_person_ids="
    refused = send(emulator, auth, "POST", COHORTS, form, "urlencoded")
    assert refused.status_code == 400
    body = refused.get_json()
    assert (body["attr"], body["detail"]) == (
        "_create_static_person_ids__1",
        "This field may not be blank.",
    )


def test_flag_tags_from_forms(emulator: Emulator, auth: dict[str, str]) -> None:
    created = send(emulator, auth, "POST", FLAGS, "key=f&tags=a&tags=b", "urlencoded")
    assert created.status_code == 201, created.get_data(as_text=True)
    flag = created.get_json()
    assert flag["tags"] == ["a", "b"]
    path = f"{FLAGS}{flag['id']}/"
    # A partial update reads the indexed form only when the key itself is sent.
    ignored = send(emulator, auth, "PATCH", path, "tags[0]=z", "urlencoded")
    assert ignored.status_code == 200 and ignored.get_json()["tags"] == ["a", "b"]
    replaced = send(emulator, auth, "PATCH", path, "tags=c", "urlencoded")
    assert replaced.get_json()["tags"] == ["c"]
