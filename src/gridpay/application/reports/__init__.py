"""Use cases of the station's reports."""
