"""The REST API (django-ninja) under /api/v1: one router per domain, mounted in :mod:`powerkam.api.urls`."""
