"""The JSON API (django-ninja): OpenAPI at /api/docs, money as integer fen, errors with a stable code."""
