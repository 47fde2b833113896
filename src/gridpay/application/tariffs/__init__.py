"""Tariffs: the built-in schedules installed, a charge quoted."""
