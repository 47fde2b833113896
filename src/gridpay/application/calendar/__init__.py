"""The working-day calendar: holidays seeded for a year."""
