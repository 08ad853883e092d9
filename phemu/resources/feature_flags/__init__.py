"""Feature flags: management (PostHog's serializer rules), evaluation, ``/flags`` and definitions."""
