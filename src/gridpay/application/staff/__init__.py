"""Use cases of staff accounts."""
