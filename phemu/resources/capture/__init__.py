"""Capture: PostHog's ingestion endpoints, decoding as its capture service does."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.capture.urls import ROUTES

RESOURCE = Resource(name="capture", routes=ROUTES)
