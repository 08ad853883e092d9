"""Seed documents: the versioned JSON format that seeds, state exports and imports share.

A document is ``{"version": 1, "organizations": [...], "projects": [...], "users": [...],
"personal_api_keys": [...], ...}`` plus one key per seeded resource (``dashboards``,
``insights``, ``subscriptions``, ``sessions``, ``events``), each record carrying its
``project``. Several documents merge in order. A document with any bad record is rejected whole
(the store is rolled back) with a message naming the record. Plaintext key ``value``s are hashed
on load and never kept; exports carry only ``secure_value``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import SeedError
from phemu.serialization import describe_character
from phemu.serialization import find_bad_text
from phemu.serialization import format_datetime
from phemu.store import OWNER
from phemu.store import Organization
from phemu.store import PersonalAPIKey
from phemu.store import Project
from phemu.store import User
from phemu.store import hash_key
from phemu.store import mask_key

if TYPE_CHECKING:
    from phemu.emulator import Emulator

FORMAT_VERSION = 1
META_KEYS = {"version", "description", "counters", "$schema"}

SeedDocument = Mapping[str, Any]


@dataclass(frozen=True)
class SeedSection:
    """How one top-level key of a seed document is loaded and exported.

    ``load`` receives the emulator and the list of records and raises :class:`SeedError` naming
    the bad record (``"subscriptions[3]: ..."``); ``export`` returns records that ``load`` takes
    back unchanged. ``finish``, when set, runs after every section of each document has loaded
    (whether or not the document has this key), for links between sections that reference each
    other (dashboard tiles name insights, which load after dashboards). ``inspect``, when set,
    gives the rows the web inspector shows under this key instead of the export, where the store
    holds more than the seed records (sessions derived from events).
    """

    key: str
    load: Callable[[Emulator, list[dict[str, Any]]], None]
    export: Callable[[Emulator], list[dict[str, Any]]]
    finish: Callable[[Emulator], None] | None = None
    inspect: Callable[[Emulator], list[dict[str, Any]]] | None = None


def read_document(source: str | Path | SeedDocument) -> SeedDocument:
    """A seed document from a mapping, a JSON file path, or the name ``"default"``."""
    if isinstance(source, Mapping):
        return source
    is_default = str(source) == "default"
    # the packaged default's path is only built for error messages (Path work costs per Emulator)
    path = Path("phemu/data/default.json") if is_default else Path(source)
    try:
        raw = _default_seed_text() if is_default else path.read_text(encoding="utf-8")
        doc = json.loads(raw)
    except FileNotFoundError:
        raise SeedError(f"{path}: seed file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SeedError(f"{path}: not a valid JSON seed document ({error})") from None
    if not isinstance(doc, dict):
        raise SeedError(f"{path}: a seed document must be a JSON object")
    return doc


@lru_cache(maxsize=1)
def _default_seed_text() -> str:
    # The packaged default seed never changes while the process runs; every Emulator reads it.
    return default_seed_path().read_text(encoding="utf-8")


def shared_document(source: str | Path | SeedDocument) -> SeedDocument:
    """:func:`read_document`, except that ``"default"`` is one parsed copy shared by the process.

    The emulator keeps its seed documents for every :meth:`~phemu.emulator.Emulator.reset` and
    only reads them, so parsing the packaged default once is enough; the shared copy is also
    what lets :func:`load_documents` apply it from a prepared template. Treat the result as
    read-only (:func:`read_document` gives a copy to change).
    """
    if not isinstance(source, Mapping) and str(source) == "default":
        return default_document()
    return read_document(source)


@lru_cache(maxsize=1)
def default_document() -> SeedDocument:
    """The packaged default seed, parsed once per process and shared: read-only."""
    return read_document("default")


def default_seed_path() -> Path:
    """``default.json`` shipped inside the package (a copy of ``fixtures/default.json``)."""
    return Path(__file__).with_name("data") / "default.json"


def load_documents(
    emulator: Emulator,
    documents: Iterable[SeedDocument],
    names: Sequence[str | None] | None = None,
) -> None:
    """Load documents in order, all or nothing.

    ``names`` says where each document came from (a file path, ``seed document #2``); an error
    starts with it. Without names, documents are numbered when there is more than one.
    """
    docs = list(documents)
    if names is None:
        names = [f"seed document #{i + 1}" if len(docs) > 1 else None for i in range(len(docs))]
    store = emulator.store
    with store.lock:
        saved = store.checkpoint()
        try:
            for doc, name in zip(docs, names, strict=True):
                try:
                    _load_one(emulator, doc)
                except SeedError as error:
                    raise SeedError(f"{name}: {error}" if name else str(error)) from None
        except SeedError:
            store.rollback(saved)
            raise
        except Exception as error:  # pragma: no cover - a loader bug must not half-load either
            store.rollback(saved)
            raise SeedError(f"seed document could not be loaded: {error!r}") from error


def source_names(sources: Sequence[str | Path | SeedDocument], *, first: int = 1) -> list[str]:
    """How errors name each seed source: its file path, else ``seed document #N`` (counting
    from ``first``); the packaged default is ``the default seed``."""
    names = []
    for position, source in enumerate(sources, start=first):
        if isinstance(source, Mapping):
            names.append(f"seed document #{position}")
        elif str(source) == "default":
            names.append("the default seed")
        else:
            names.append(str(source))
    return names


def _load_one(emulator: Emulator, doc: SeedDocument) -> None:
    if not isinstance(doc, Mapping):
        raise SeedError("a seed document must be a JSON object")
    if doc is default_document():
        from phemu.seed_template import load_default_fast

        if load_default_fast(emulator, doc):
            return
    version = doc.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise SeedError(
            f"document has version {version!r}; this phemu reads version "
            f"{FORMAT_VERSION} (export the state again with a matching phemu)"
        )
    sections = emulator.seed_sections()
    unknown = [k for k in doc if k not in META_KEYS and k not in sections and not k.startswith("_")]
    if unknown:
        raise SeedError(
            f"unknown key(s) {', '.join(map(repr, unknown))}; known keys: {', '.join(sections)}"
        )
    found = find_bad_text(doc, nul=False)
    if found is not None:
        where, char = found
        raise SeedError(
            f"{where} holds {describe_character(char)}, which is not valid Unicode: PostHog "
            "could not store it and phemu could not save it"
        )
    load_sections(emulator, doc, sections)


def load_sections(
    emulator: Emulator,
    doc: SeedDocument,
    sections: Mapping[str, SeedSection],
    done: frozenset[str] = frozenset(),
) -> None:
    """Load a checked document: every section's records (except the keys in ``done``, loaded
    already), then every section's ``finish``, then the ``counters``."""
    for key, section in sections.items():
        records = doc.get(key)
        if records is None or key in done:
            continue
        if not isinstance(records, list):
            raise SeedError(f"{key}: must be a list of records")
        for position, record in enumerate(records):
            if not isinstance(record, dict):
                raise SeedError(f"{key}[{position}]: must be a JSON object")
        section.load(emulator, records)
    for section in sections.values():
        if section.finish is not None:
            section.finish(emulator)
    counters = doc.get("counters")
    if isinstance(counters, dict):
        for sequence, value in counters.items():
            if isinstance(value, int):
                emulator.store.bump_id(sequence, value)


def export_document(emulator: Emulator) -> dict[str, Any]:
    """The whole store as one seed document (the ``state`` export)."""
    doc: dict[str, Any] = {"version": FORMAT_VERSION}
    for key, section in emulator.seed_sections().items():
        doc[key] = section.export(emulator)
    doc["counters"] = dict(emulator.store.counters)
    return doc


# -- helpers for section loaders ------------------------------------------------------------


def where(section: str, position: int, record: Mapping[str, Any]) -> str:
    """``projects[2] (id 7)``: how error messages name a record."""
    ident = record.get("id", record.get("email", record.get("session_id")))
    return f"{section}[{position}]" + (f" (id {ident!r})" if ident is not None else "")


def text(record: Mapping[str, Any], name: str, label: str, default: str | None = None) -> str:
    value = record.get(name, default)
    if not isinstance(value, str):
        raise SeedError(f"{label}: {name!r} must be a string")
    return value


def user_ref(store: Any, value: Any, label: str, name: str = "created_by") -> int | None:
    """A user given by id or email in a seed record (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, str):
        user = store.user_by_email(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        user = store.users.get(value)
    else:
        user = None
    if user is None:
        raise SeedError(f"{label}: {name} {value!r} is not a known user email or id")
    return int(user.id)


def instant(emulator: Emulator, record: Mapping[str, Any], name: str, label: str) -> Any:
    """A datetime field of a record, defaulting to the emulator clock."""
    from phemu.clock import parse_instant

    value = record.get(name)
    if value is None:
        return emulator.clock.now()
    try:
        return parse_instant(value)
    except (TypeError, ValueError):
        raise SeedError(f"{label}: {name!r} is not an ISO 8601 datetime: {value!r}") from None


# -- platform sections -----------------------------------------------------------------------


def _load_organizations(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    for position, record in enumerate(records):
        label = where("organizations", position, record)
        org_id = record.get("id") or store.new_uuid()
        name = text(record, "name", label, "Organization")
        if not isinstance(org_id, str):
            raise SeedError(f"{label}: 'id' must be a UUID string")
        existing = store.organizations.get(org_id)
        created = instant(emulator, record, "created_at", label)
        store.organizations[org_id] = Organization(
            id=org_id,
            name=name,
            slug=text(record, "slug", label, _slug(name)),
            created_at=existing.created_at if existing and "created_at" not in record else created,
            updated_at=instant(emulator, record, "updated_at", label),
            members_can_use_personal_api_keys=bool(
                record.get("members_can_use_personal_api_keys", True)
            ),
        )


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split()) or "org"


def _load_projects(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    for position, record in enumerate(records):
        label = where("projects", position, record)
        project_id = record.get("id")
        if project_id is None:
            project_id = store.next_id("project")
        if not isinstance(project_id, int) or isinstance(project_id, bool) or project_id < 1:
            raise SeedError(f"{label}: 'id' must be a positive integer")
        org_id = record.get("organization")
        if org_id is None and len(store.organizations) == 1:
            org_id = next(iter(store.organizations))
        if org_id not in store.organizations:
            raise SeedError(f"{label}: organization {org_id!r} does not exist")
        channel_types = record.get("custom_channel_types", [])
        if not isinstance(channel_types, list) or not all(
            isinstance(c, str) for c in channel_types
        ):
            raise SeedError(f"{label}: 'custom_channel_types' must be a list of strings")
        store.bump_id("project", project_id)
        store.projects[project_id] = Project(
            id=project_id,
            uuid=text(record, "uuid", label) if "uuid" in record else store.new_uuid(),
            organization=org_id,
            name=text(record, "name", label, "Default project"),
            api_token=(
                text(record, "api_token", label)
                if "api_token" in record
                else "phc_" + store.random_token(43, _ALNUM)
            ),
            timezone=text(record, "timezone", label, "UTC"),
            created_at=instant(emulator, record, "created_at", label),
            updated_at=instant(emulator, record, "updated_at", label),
            custom_channel_types=list(channel_types),
        )


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _memberships(store: Any, record: Mapping[str, Any], label: str) -> dict[str, int]:
    raw = record.get("organizations", [])
    default_level = record.get("membership_level", OWNER)
    result: dict[str, int] = {}
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [
            (m["id"], m.get("level", default_level)) if isinstance(m, dict) else (m, default_level)
            for m in raw
        ]
    else:
        raise SeedError(f"{label}: 'organizations' must be a list of organization ids")
    for org_id, level in items:
        if org_id not in store.organizations:
            raise SeedError(f"{label}: organization {org_id!r} does not exist")
        if level not in (1, 8, 15):
            raise SeedError(f"{label}: membership level must be 1, 8 or 15, not {level!r}")
        result[org_id] = level
    return result


def _load_users(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    for position, record in enumerate(records):
        label = where("users", position, record)
        email = text(record, "email", label)
        existing = store.user_by_email(email)
        user_id = record.get("id") or (existing.id if existing else store.next_id("user"))
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise SeedError(f"{label}: 'id' must be an integer")
        store.bump_id("user", user_id)
        memberships = _memberships(store, record, label)
        current = record.get("current_project")
        if current is not None and current not in store.projects:
            raise SeedError(f"{label}: current_project {current!r} does not exist")
        if current is None:
            first = [p for org in memberships for p in store.projects_of(org)]
            current = first[0].id if first else None
        store.users[user_id] = User(
            id=user_id,
            uuid=(
                text(record, "uuid", label)
                if "uuid" in record
                else (existing.uuid if existing else store.new_uuid())
            ),
            distinct_id=text(record, "distinct_id", label, f"u{user_id}"),
            email=email,
            first_name=text(record, "first_name", label, ""),
            last_name=text(record, "last_name", label, ""),
            date_joined=instant(emulator, record, "date_joined", label),
            memberships=memberships,
            current_project=current,
            is_active=bool(record.get("is_active", True)),
            is_email_verified=record.get("is_email_verified"),
            role_at_organization=record.get("role_at_organization"),
        )


def _load_keys(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    for position, record in enumerate(records):
        label = where("personal_api_keys", position, record)
        owner = record.get("user")
        user = store.user_by_email(owner) if isinstance(owner, str) else store.users.get(owner)  # type: ignore[arg-type]
        if user is None:
            raise SeedError(f"{label}: user {owner!r} does not exist")
        value, secure = record.get("value"), record.get("secure_value")
        if isinstance(value, str) and value:
            secure, mask = hash_key(value), mask_key(value)
        elif isinstance(secure, str) and secure.startswith("sha256$"):
            mask = text(record, "mask_value", label, "phx_...????")
        else:
            raise SeedError(f"{label}: needs a non-empty 'value' or a 'sha256$...' 'secure_value'")
        scopes = record.get("scopes", ["*"])
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise SeedError(f"{label}: 'scopes' must be a list of strings")
        teams = record.get("scoped_teams") or None
        if teams is not None and not all(isinstance(t, int) for t in teams):
            raise SeedError(f"{label}: 'scoped_teams' must be a list of project ids")
        orgs = record.get("scoped_organizations") or None
        if orgs is not None and not all(isinstance(o, str) for o in orgs):
            raise SeedError(f"{label}: 'scoped_organizations' must be a list of organization ids")
        label_text = text(record, "label", label, "")
        if len(label_text) > 40:
            raise SeedError(f"{label}: 'label' is longer than 40 characters")
        store.keys[secure] = PersonalAPIKey(
            id=text(record, "id", label) if "id" in record else store.new_uuid(),
            label=label_text,
            secure_value=secure,
            mask_value=mask,
            user=user.id,
            scopes=list(scopes),
            scoped_teams=list(teams) if teams else None,
            scoped_organizations=list(orgs) if orgs else None,
            created_at=instant(emulator, record, "created_at", label),
            last_used_at=None,
        )


def _export_organizations(emulator: Emulator) -> list[dict[str, Any]]:
    return [
        {
            "id": o.id,
            "name": o.name,
            "slug": o.slug,
            "members_can_use_personal_api_keys": o.members_can_use_personal_api_keys,
            "created_at": format_datetime(o.created_at),
            "updated_at": format_datetime(o.updated_at),
        }
        for o in emulator.store.organizations.values()
    ]


def _export_projects(emulator: Emulator) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "uuid": p.uuid,
            "organization": p.organization,
            "name": p.name,
            "api_token": p.api_token,
            "timezone": p.timezone,
            "custom_channel_types": list(p.custom_channel_types),
            "created_at": format_datetime(p.created_at),
            "updated_at": format_datetime(p.updated_at),
        }
        for p in sorted(emulator.store.projects.values(), key=lambda p: p.id)
    ]


def _export_users(emulator: Emulator) -> list[dict[str, Any]]:
    return [
        {
            "id": u.id,
            "uuid": u.uuid,
            "distinct_id": u.distinct_id,
            "email": u.email,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "organizations": [{"id": org, "level": lvl} for org, lvl in u.memberships.items()],
            "current_project": u.current_project,
            "is_active": u.is_active,
            "is_email_verified": u.is_email_verified,
            "role_at_organization": u.role_at_organization,
            "date_joined": format_datetime(u.date_joined),
        }
        for u in sorted(emulator.store.users.values(), key=lambda u: u.id)
    ]


def _export_keys(emulator: Emulator) -> list[dict[str, Any]]:
    store = emulator.store
    return [
        {
            "id": k.id,
            "user": store.users[k.user].email,
            "label": k.label,
            "secure_value": k.secure_value,
            "mask_value": k.mask_value,
            "scopes": list(k.scopes),
            "scoped_teams": k.scoped_teams,
            "scoped_organizations": k.scoped_organizations,
            "created_at": format_datetime(k.created_at),
        }
        for k in store.keys.values()
    ]


PLATFORM_SECTIONS: tuple[SeedSection, ...] = (
    SeedSection("organizations", _load_organizations, _export_organizations),
    SeedSection("projects", _load_projects, _export_projects),
    SeedSection("users", _load_users, _export_users),
    SeedSection("personal_api_keys", _load_keys, _export_keys),
)
