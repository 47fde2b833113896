"""Collection management (催费管理, seeds 003 and 004): areas, campaigns, files, notices, home collection, risk."""
