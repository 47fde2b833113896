"""Use cases of the station's work lists."""
