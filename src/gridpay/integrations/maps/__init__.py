"""Map images drawn with matplotlib."""
