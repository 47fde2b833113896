"""Staff accounts and the API tokens issued to staff and systems."""
