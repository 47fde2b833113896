"""Channel statements checked against the payments recorded, and the differences resolved."""
