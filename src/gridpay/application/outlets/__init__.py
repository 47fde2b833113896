"""Use cases of the outlet registry and the 10-minute payment circle."""
