"""The seeded fault campaign (scripts/fault-sim): a small town driven through random days with crashes injected."""
