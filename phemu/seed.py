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
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from phemu.clock import parse_instant
from phemu.errors import SeedError
from phemu.serialization import describe_character
from phemu.serialization import find_bad_text
from phemu.serialization import format_datetime
from phemu.store import OWNER
from phemu.store import Organization
from phemu.store import PersonalAPIKey
from phemu.store import Project
from phemu.store import Store
from phemu.store import User
from phemu.store import hash_key
from phemu.store import mask_key

if TYPE_CHECKING:
    from phemu.emulator import Emulator

FORMAT_VERSION = 1
META_KEYS = {"version", "description", "counters", "$schema"}

SeedDocument = Mapping[str, Any]
T = TypeVar("T")


def record_id(record: Mapping[str, Any]) -> Any:
    """A record's ``id``: what identifies a record of most sections."""
    return record.get("id")


def exported(found: T | None, export: Callable[[T], dict[str, Any]]) -> dict[str, Any] | None:
    """``export(found)``, or ``None`` for a record that is gone: what a section's ``export_one``
    answers."""
    return None if found is None else export(found)


@dataclass(frozen=True)
class SeedSection:
    """How one top-level key of a seed document is loaded and exported.

    ``load`` receives the emulator and the list of records and raises :class:`SeedError` naming
    the bad record (``"subscriptions[3]: ..."``); ``export`` returns records that ``load`` takes
    back unchanged, so a save and restart loses nothing (``tests/test_state_roundtrip.py``).
    ``finish``, when set, runs after every section of each document has loaded (whether or not
    the document has this key), for links between sections that reference each other (dashboard
    tiles name insights, which load after dashboards). ``inspect``, when set, gives the rows the
    web inspector shows under this key instead of the export, where the store holds more than
    the seed records (sessions derived from events).

    The mutation log of ``phemu serve --sync always`` (``phemu/mutation_log.py``) writes what
    changed after each request as records of these sections. A section whose writers report
    their changes is *tracked*: with ``export_one`` (one record's export by its key, ``None``
    once it is gone; ``identify`` reads the key of an exported record, its ``id`` by default),
    the writers call ``Store.changed(key, record key)``; an ``append_only`` section's writers
    call ``Store.appended`` (and ``Store.rewritten`` for bulk changes). Any other section needs
    nothing: the log compares its export after every write request, record by record when
    every record has a distinct ``identify`` key.
    """

    key: str
    load: Callable[[Emulator, list[dict[str, Any]]], None]
    export: Callable[[Emulator], list[dict[str, Any]]]
    finish: Callable[[Emulator], None] | None = None
    inspect: Callable[[Emulator], list[dict[str, Any]]] | None = None
    export_one: Callable[[Emulator, Any], dict[str, Any] | None] | None = None
    identify: Callable[[Mapping[str, Any]], Any] = record_id
    append_only: bool = False

    @property
    def tracked(self) -> bool:
        """Whether the section's writers report their changes to the store."""
        return self.export_one is not None or self.append_only


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
    """``default.json``, the default seed, shipped inside the package."""
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
        store.version += 1
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


# -- reading records -----------------------------------------------------------------------


def where(
    section: str, position: int, record: Mapping[str, Any], key: str = "id", name: str = ""
) -> str:
    """``projects[2] (id 7)``: how error messages name a record. ``key`` is the identity field
    (``id`` falls back to ``email``), shown as ``(<name or key> <value>)``."""
    ident = record.get(key) if key != "id" else record.get("id", record.get("email"))
    return f"{section}[{position}]" + (f" ({name or key} {ident!r})" if ident is not None else "")


_ABSENT: Any = object()


class RecordReader:
    """One seed record, read field by field; every error is a :class:`SeedError` naming it.

    Seeds are written by test authors, not sent by PostHog clients, so these are phemu's own
    messages (``insights[2] (id 7): 'name' must be a string or null``). Every seed section reads
    its records through this class, so a field means the same in every section: ``project`` may
    be left out when the store holds exactly one project, users are given by email or id,
    instants are ISO 8601 and default to the emulator clock.
    """

    __slots__ = ("emulator", "label", "record")

    def __init__(self, emulator: Emulator, record: Mapping[str, Any], label: str) -> None:
        self.emulator = emulator
        self.record = record
        self.label = label

    def error(self, message: str) -> SeedError:
        return SeedError(f"{self.label}: {message}")

    def has(self, name: str) -> bool:
        return name in self.record

    def raw(self, name: str, default: Any = None) -> Any:
        return self.record.get(name, default)

    def reject_unknown(self, known: Iterable[str]) -> None:
        unknown = sorted(set(self.record) - set(known))
        if unknown:
            raise self.error(f"unknown key(s) {', '.join(map(repr, unknown))}")

    def project(self) -> int:
        """The record's ``project``: an existing project id; may be left out when the store
        holds exactly one project."""
        projects = self.emulator.store.projects
        if "project" not in self.record:
            if len(projects) == 1:
                return next(iter(projects))
            raise self.error("'project' is required when there is not exactly one project")
        value = self.record["project"]
        if isinstance(value, bool) or not isinstance(value, int) or value not in projects:
            raise self.error(f"project {value!r} does not exist")
        return value

    def id(self, sequence: str) -> int:
        """The record's explicit positive ``id`` (reserved in ``sequence``), else the next id."""
        store = self.emulator.store
        value = self.record.get("id")
        if value is None:
            return store.next_id(sequence)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.error("'id' must be a positive integer")
        store.bump_id(sequence, value)
        return value

    def text(
        self,
        name: str,
        default: str | None = _ABSENT,
        *,
        nullable: bool = False,
        blank: bool = True,
        max_length: int | None = None,
    ) -> Any:
        """A string field (``None`` when ``nullable`` and null or absent without a default)."""
        value = self.record.get(name, None if default is _ABSENT else default)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or (not blank and not value):
            kind = "a string" if blank else "a non-empty string"
            raise self.error(f"{name!r} must be {kind}" + (" or null" if nullable else ""))
        if max_length is not None and len(value) > max_length:
            raise self.error(f"{name!r} is longer than {max_length} characters")
        return value

    def integer(self, name: str) -> int | None:
        """An integer field that may be null or absent."""
        value = self.record.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self.error(f"{name!r} must be an integer or null")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.record.get(name, default)
        if not isinstance(value, bool):
            raise self.error(f"{name!r} must be true or false")
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        """An object field (default ``{}``), copied."""
        value = self.record.get(name, {})
        if not isinstance(value, dict):
            raise self.error(f"{name!r} must be an object")
        return dict(value)

    def items(self, name: str) -> list[Any]:
        """A list field (default ``[]``)."""
        value = self.record.get(name, [])
        if not isinstance(value, list):
            raise self.error(f"{name!r} must be a list")
        return value

    def tags(self, name: str = "tags") -> list[str]:
        value = self.record.get(name, [])
        if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
            raise self.error(f"{name!r} must be a list of non-empty strings")
        return list(dict.fromkeys(value))

    def user(self, name: str = "created_by", default: int | None = None) -> int | None:
        """A user given by email or id (``null`` for none); absent means ``default``."""
        if name not in self.record:
            return default
        return user_ref(self.emulator.store, self.record[name], self.label, name)

    def instant(self, name: str, *, default_now: bool = True) -> Any:
        """An ISO 8601 instant (aware, UTC); absent or null means the emulator's clock (or
        ``None`` without ``default_now``)."""
        value = self.record.get(name)
        if value is None:
            return self.emulator.clock.now() if default_now else None
        return self.parse_instant(value, repr(name))

    def parse_instant(self, value: Any, name: str) -> Any:
        """``value`` as an instant; ``name`` is how the error names it."""
        try:
            return parse_instant(value)
        except ValueError:
            raise self.error(f"{name} is not an ISO 8601 datetime: {value!r}") from None


def iter_records(
    emulator: Emulator, section: str, items: list[dict[str, Any]], key: str = "id", name: str = ""
) -> Iterator[RecordReader]:
    """A :class:`RecordReader` for each record of a section (labels as :func:`where`)."""
    for position, record in enumerate(items):
        yield RecordReader(emulator, record, where(section, position, record, key, name))


def user_ref(store: Store, value: Any, label: str, name: str = "created_by") -> int | None:
    """A user given by id or email (``None`` stays ``None``)."""
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


# -- platform sections -----------------------------------------------------------------------


def _load_organizations(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    for r in iter_records(emulator, "organizations", records):
        record = r.record
        org_id = record.get("id") or store.new_uuid()
        name = r.text("name", "Organization")
        if not isinstance(org_id, str):
            raise r.error("'id' must be a UUID string")
        existing = store.organizations.get(org_id)
        created = r.instant("created_at")
        store.organizations[org_id] = Organization(
            id=org_id,
            name=name,
            slug=r.text("slug", _slug(name)),
            created_at=existing.created_at if existing and "created_at" not in record else created,
            updated_at=r.instant("updated_at"),
            members_can_use_personal_api_keys=bool(
                record.get("members_can_use_personal_api_keys", True)
            ),
        )


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split()) or "org"


def _load_projects(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    for r in iter_records(emulator, "projects", records):
        record = r.record
        project_id = record.get("id")
        if project_id is None:
            project_id = store.next_id("project")
        if not isinstance(project_id, int) or isinstance(project_id, bool) or project_id < 1:
            raise r.error("'id' must be a positive integer")
        org_id = record.get("organization")
        if org_id is None and len(store.organizations) == 1:
            org_id = next(iter(store.organizations))
        if org_id not in store.organizations:
            raise r.error(f"organization {org_id!r} does not exist")
        channel_types = record.get("custom_channel_types", [])
        if not isinstance(channel_types, list) or not all(
            isinstance(c, str) for c in channel_types
        ):
            raise r.error("'custom_channel_types' must be a list of strings")
        store.bump_id("project", project_id)
        store.projects[project_id] = Project(
            id=project_id,
            uuid=r.text("uuid") if "uuid" in record else store.new_uuid(),
            organization=org_id,
            name=r.text("name", "Default project"),
            api_token=(
                r.text("api_token")
                if "api_token" in record
                else "phc_" + store.random_token(43, _ALNUM)
            ),
            timezone=r.text("timezone", "UTC"),
            created_at=r.instant("created_at"),
            updated_at=r.instant("updated_at"),
            custom_channel_types=list(channel_types),
            secret_api_token=_secret_token(store, r, project_id, "secret_api_token"),
            secret_api_token_backup=_secret_token(store, r, project_id, "secret_api_token_backup"),
        )


#: What ``ProjectSecretAPIKeyAuthentication`` reads from a bearer header (``posthog/auth.py``):
#: a seeded token of another shape could never authenticate there.
_SECRET_TOKEN = re.compile(r"phs_[a-zA-Z0-9]+")


def _secret_token(store: Any, r: RecordReader, project_id: int, name: str) -> str | None:
    value = r.raw(name, None)
    if value is None:
        return None
    if not isinstance(value, str) or not _SECRET_TOKEN.fullmatch(value):
        raise r.error(f"{name!r} must be 'phs_' followed by letters and digits, or null")
    owner = store.project_for_secret(value)
    if owner is not None and owner.id != project_id:
        raise r.error(f"{name!r} is already a secret API token of project {owner.id}")
    return value


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _memberships(store: Any, r: RecordReader) -> dict[str, int]:
    raw = r.raw("organizations", [])
    default_level = r.raw("membership_level", OWNER)
    result: dict[str, int] = {}
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [
            (m["id"], m.get("level", default_level)) if isinstance(m, dict) else (m, default_level)
            for m in raw
        ]
    else:
        raise r.error("'organizations' must be a list of organization ids")
    for org_id, level in items:
        if org_id not in store.organizations:
            raise r.error(f"organization {org_id!r} does not exist")
        if level not in (1, 8, 15):
            raise r.error(f"membership level must be 1, 8 or 15, not {level!r}")
        result[org_id] = level
    return result


def _load_users(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    for r in iter_records(emulator, "users", records):
        record = r.record
        email = r.text("email")
        existing = store.user_by_email(email)
        user_id = record.get("id") or (existing.id if existing else store.next_id("user"))
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise r.error("'id' must be an integer")
        store.bump_id("user", user_id)
        memberships = _memberships(store, r)
        current = record.get("current_project")
        if current is not None and current not in store.projects:
            raise r.error(f"current_project {current!r} does not exist")
        if current is None:
            first = [p for org in memberships for p in store.projects_of(org)]
            current = first[0].id if first else None
        store.users[user_id] = User(
            id=user_id,
            uuid=(
                r.text("uuid")
                if "uuid" in record
                else (existing.uuid if existing else store.new_uuid())
            ),
            distinct_id=r.text("distinct_id", f"u{user_id}"),
            email=email,
            first_name=r.text("first_name", ""),
            last_name=r.text("last_name", ""),
            date_joined=r.instant("date_joined"),
            memberships=memberships,
            current_project=current,
            is_active=bool(record.get("is_active", True)),
            is_email_verified=record.get("is_email_verified"),
            role_at_organization=record.get("role_at_organization"),
        )


def _load_keys(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    for r in iter_records(emulator, "personal_api_keys", records):
        record = r.record
        owner = record.get("user")
        user = store.user_by_email(owner) if isinstance(owner, str) else store.users.get(owner)  # type: ignore[arg-type]
        if user is None:
            raise r.error(f"user {owner!r} does not exist")
        value, secure = record.get("value"), record.get("secure_value")
        if isinstance(value, str) and value:
            secure, mask = hash_key(value), mask_key(value)
        elif isinstance(secure, str) and secure.startswith("sha256$"):
            mask = r.text("mask_value", "phx_...????")
        else:
            raise r.error("needs a non-empty 'value' or a 'sha256$...' 'secure_value'")
        scopes = record.get("scopes", ["*"])
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise r.error("'scopes' must be a list of strings")
        teams = record.get("scoped_teams") or None
        if teams is not None and not all(isinstance(t, int) for t in teams):
            raise r.error("'scoped_teams' must be a list of project ids")
        orgs = record.get("scoped_organizations") or None
        if orgs is not None and not all(isinstance(o, str) for o in orgs):
            raise r.error("'scoped_organizations' must be a list of organization ids")
        label_text = r.text("label", "")
        if len(label_text) > 40:
            raise r.error("'label' is longer than 40 characters")
        store.keys[secure] = PersonalAPIKey(
            id=r.text("id") if "id" in record else store.new_uuid(),
            label=label_text,
            secure_value=secure,
            mask_value=mask,
            user=user.id,
            scopes=list(scopes),
            scoped_teams=list(teams) if teams else None,
            scoped_organizations=list(orgs) if orgs else None,
            created_at=r.instant("created_at"),
            last_used_at=r.instant("last_used_at", default_now=False),
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
            "secret_api_token": p.secret_api_token,
            "secret_api_token_backup": p.secret_api_token_backup,
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
            "last_used_at": format_datetime(k.last_used_at),
        }
        for k in store.keys.values()
    ]


PLATFORM_SECTIONS: tuple[SeedSection, ...] = (
    SeedSection("organizations", _load_organizations, _export_organizations),
    SeedSection("projects", _load_projects, _export_projects),
    SeedSection("users", _load_users, _export_users),
    SeedSection("personal_api_keys", _load_keys, _export_keys),
)
