"""The JSON API (django-ninja): its reference at /api/docs, money as integer fen, errors with a stable code."""
