"""``WebExperimentsAPISerializer``'s validation and flag helpers
(``posthog/api/web_experiment.py``): the fields in ``Meta.fields`` order, then ``validate``'s
variant checks, which run on every write (a ``PATCH`` without ``variants`` is refused too)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError


def validate(data: Mapping[str, Any], *, required: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data or required:
        values["name"] = fields.parse_text(
            fields.require(data, "name"), "name", allow_blank=False, max_length=400
        )
    if "created_at" in data:
        fields.not_null(data["created_at"], "created_at")
        values["created_at"] = fields.parse_datetime(data["created_at"], "created_at")
    if "variants" in data or required:
        variants = fields.require(data, "variants")
        values["variants"] = fields.storable_json(variants)
    _check_variants(values.get("variants"))
    return values


def _check_variants(variants: Any) -> None:
    """``validate``: a dict of variants with ``control``, each with a rollout percentage and
    every other variant's transforms with a selector. What PostHog's checks cannot read (a
    variant that is not an object, transforms that are not a list of objects) is its 500."""
    if variants is None:
        raise ValidationError(Msg.WEB_EXPERIMENT_NO_VARIANTS)
    if variants and not isinstance(variants, dict):
        raise ValidationError(Msg.WEB_EXPERIMENT_VARIANTS_DICT)
    if not isinstance(variants, (dict, str, list)):
        raise ServerError()  # ``"control" in 0``: TypeError
    if "control" not in variants:
        raise ValidationError(Msg.WEB_EXPERIMENT_NEEDS_CONTROL)
    assert isinstance(variants, dict)  # a non-empty list or string failed above
    for name, variant in variants.items():
        if not isinstance(variant, dict):
            raise ServerError()  # ``variant.get``: AttributeError
        if variant.get("rollout_percentage") is None:
            raise ValidationError(Msg.WEB_EXPERIMENT_NO_ROLLOUT.format(name=name))
        if name == "control":
            continue
        transforms = variant.get("transforms", {})
        if isinstance(transforms, (dict, str)) and not transforms:
            continue
        if not isinstance(transforms, list):
            raise ServerError()  # enumerate(None), or a key string's ``.get``
        for index, transform in enumerate(transforms):
            if not isinstance(transform, dict):
                raise ServerError()
            if transform.get("selector") is None:
                raise ValidationError(Msg.WEB_EXPERIMENT_NO_SELECTOR.format(index=index, name=name))


def flag_variants(variants: Mapping[str, Any]) -> dict[str, Any]:
    """``get_variants_for_feature_flag``: the flag's multivariate variants (no names)."""
    return {
        "variants": [
            {"key": key, "rollout_percentage": variant.get("rollout_percentage", 0)}
            for key, variant in variants.items()
        ]
    }


def flag_key(experiment_name: str, random_id: str) -> str:
    """``get_feature_flag_name``: Django's ``slugify`` of
    ``<name>-web-experiment-feature-<10 random hex digits>``."""
    prefix = experiment_name.replace(" ", "-").lower() + "-web-experiment-feature"
    return slugify(f"{prefix}-{random_id}")


def slugify(value: str) -> str:
    """``django.utils.text.slugify`` (``allow_unicode=False``)."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")
