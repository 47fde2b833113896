"""The staff console's views, one module per area; each names the action it requires."""
