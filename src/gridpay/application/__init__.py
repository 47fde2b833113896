"""Use cases, one module per verb; each runs in one transaction and calls the domain in the middle."""
