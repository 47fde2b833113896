"""Use cases of the village rollout (推广): villages, agreements, events, progress."""
