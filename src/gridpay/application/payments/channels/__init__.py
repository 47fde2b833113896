"""Use cases of the online payment channels: orders, notifications, refunds through the channel."""
