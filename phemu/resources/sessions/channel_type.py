"""``$channel_type``: PostHog's default GA4-style rules over a lookup subset (``docs/sessions.md``).

PostHog computes the channel at query time from a session's entry properties and a table of
several thousand sources (``posthog/models/channel_type/channel_definitions.json``). phemu
applies the same rule order to a subset of that table (:data:`SHIPPED`), which keeps every
derived value inside the built-in list that ``values`` answers. An emulator may extend that
subset (``channel_lookups.py``); the rules take the table as an argument so no extension is
ever global.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: ``docs/sessions.md``, in PostHog's order.
BUILTIN_CHANNEL_TYPES: tuple[str, ...] = (
    "Cross Network",
    "Paid Search",
    "Paid Social",
    "Paid Video",
    "Paid Shopping",
    "Paid Unknown",
    "Direct",
    "Organic Search",
    "Organic Social",
    "Organic Video",
    "Organic Shopping",
    "Push",
    "SMS",
    "Audio",
    "Email",
    "Referral",
    "Affiliate",
    "Unknown",
)

# (paid type, organic type); None where the kind has no paid flavour.
Types = tuple[str | None, str | None]

_SEARCH: Types = ("Paid Search", "Organic Search")
_SOCIAL: Types = ("Paid Social", "Organic Social")
_VIDEO: Types = ("Paid Video", "Organic Video")
_SHOPPING: Types = ("Paid Shopping", "Organic Shopping")


def _table(groups: list[tuple[Types, str]]) -> dict[str, Types]:
    return {name: types for types, names in groups for name in names.split(",")}


#: Sources (and referring domains), ``docs/sessions.md``
SOURCES: Mapping[str, Types] = _table(
    [
        (
            _SEARCH,
            "google,google.com,bing,bing.com,yahoo,yahoo.com,duckduckgo,duckduckgo.com,"
            "baidu,baidu.com,yandex,yandex.ru,ecosia.org",
        ),
        (
            _SOCIAL,
            "facebook,facebook.com,instagram,instagram.com,linkedin,linkedin.com,twitter,"
            "twitter.com,x.com,t.co,reddit,reddit.com,pinterest,pinterest.com,tiktok,tiktok.com",
        ),
        (_VIDEO, "youtube,youtube.com,vimeo,vimeo.com,twitch,twitch.tv"),
        (_SHOPPING, "amazon,amazon.com,ebay,ebay.com,etsy,etsy.com,shopify"),
    ]
)

#: Mediums, ``docs/sessions.md`` (PostHog's Display mediums are deliberately left out).
MEDIUMS: Mapping[str, Types] = {
    **_table([(_SOCIAL, "social,sm,social media,social-media,social network,social-network")]),
    "video": _VIDEO,
    **_table([((None, "Email"), "email,e-mail,e_mail,e mail")]),
    **_table([((None, "Affiliate"), "affiliate,partnership,partnerships")]),
    **_table([((None, "Referral"), "referral,app,link")]),
    **_table([((None, "Push"), "push,mobile,notification")]),
    "audio": (None, "Audio"),
}


@dataclass(frozen=True)
class ChannelLookups:
    """A source table and a medium table: value -> (paid type, organic type)."""

    sources: Mapping[str, Types]
    mediums: Mapping[str, Types]

    def __bool__(self) -> bool:
        return bool(self.sources or self.mediums)

    def extended(self, other: ChannelLookups) -> ChannelLookups:
        """This table with ``other``'s entries added; an entry of ``other`` replaces ours."""
        if not other:
            return self
        return ChannelLookups(
            sources={**self.sources, **other.sources}, mediums={**self.mediums, **other.mediums}
        )


#: The subset of ``docs/sessions.md`` that every emulator starts from.
SHIPPED = ChannelLookups(SOURCES, MEDIUMS)
EMPTY = ChannelLookups({}, {})

PAID_MEDIUMS = frozenset({"cpc", "cpm", "cpv", "cpa", "ppc", "retargeting"})
DIRECT_SOURCES = frozenset({"(direct)", "direct", "$direct"})
_SHOP = re.compile(r"(?:^|[^a-df-z])shop")


@dataclass(frozen=True)
class ChannelInputs:
    """The entry properties the rules read, as stored on the session (not yet normalised)."""

    campaign: str | None = None
    medium: str | None = None
    source: str | None = None
    referring_domain: str | None = None
    gclid: str | None = None
    fbclid: str | None = None
    gad_source: str | None = None


def _norm(value: str | None) -> str | None:
    """Lower-cased, with empty and ``"null"`` treated as null (PostHog's ``nullIf``)."""
    if value is None:
        return None
    lowered = value.lower()
    return None if lowered in ("", "null") else lowered


def _lookup_source(table: Mapping[str, Types], value: str | None, paid: bool) -> str | None:
    """Look a source/domain up as given, then minus its first label while two labels remain.

    An entry whose type for this flavour is null does not stop the search: PostHog coalesces
    the lookup of the value with the lookup of its shorter domain.
    """
    if value is None:
        return None
    candidate = value
    while True:
        types = table.get(candidate)
        found = None if types is None else types[0] if paid else types[1]
        if found is not None:
            return found
        _head, dot, rest = candidate.partition(".")
        if not dot or "." not in rest:
            return None
        candidate = rest


def _lookup_medium(table: Mapping[str, Types], value: str | None, paid: bool) -> str | None:
    types = table.get(value) if value is not None else None
    if types is None:
        return None
    return types[0] if paid else types[1]


def is_shopping_campaign(campaign: str | None) -> bool:
    return campaign is not None and ("shopping" in campaign or _SHOP.search(campaign) is not None)


def channel_type(inputs: ChannelInputs, lookups: ChannelLookups = SHIPPED) -> str:
    """The first channel rule (``docs/sessions.md``) that applies, sources and mediums in
    ``lookups``."""
    sources, mediums = lookups.sources, lookups.mediums
    campaign, medium, source = _norm(inputs.campaign), _norm(inputs.medium), _norm(inputs.source)
    domain = inputs.referring_domain
    has_gclid, has_fbclid = inputs.gclid is not None, inputs.fbclid is not None
    gad_source = inputs.gad_source
    if campaign is not None and "cross-network" in campaign:
        return "Cross Network"
    paid = (
        (medium is not None and (medium in PAID_MEDIUMS or medium.startswith("paid")))
        or has_gclid
        or gad_source is not None
    )
    if paid:
        return (
            _lookup_source(sources, source, True)
            or ("Paid Shopping" if is_shopping_campaign(campaign) else None)
            or _lookup_medium(mediums, medium, True)
            or _lookup_source(sources, domain, True)
            or ("Paid Search" if gad_source == "1" else None)
            or ("Paid Video" if campaign is not None and "video" in campaign else None)
            or ("Paid Social" if has_fbclid else None)
            or "Paid Unknown"
        )
    if (
        domain == "$direct"
        and medium is None
        and (source is None or source in DIRECT_SOURCES)
        and not has_fbclid
    ):
        return "Direct"
    return (
        _lookup_source(sources, source, False)
        or ("Organic Shopping" if is_shopping_campaign(campaign) else None)
        or _lookup_medium(mediums, medium, False)
        or _lookup_source(sources, domain, False)
        or ("Organic Video" if campaign is not None and "video" in campaign else None)
        or ("Push" if medium is not None and medium.endswith("push") else None)
        or ("Organic Social" if has_fbclid else None)
        or ("Direct" if domain == "$direct" else None)
        or ("Referral" if domain is not None else None)
        or "Unknown"
    )
