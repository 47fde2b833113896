"""Collection management (催费管理, seeds 000, 003 and 004): one use case per module."""
