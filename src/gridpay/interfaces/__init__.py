"""Thin entry points: the `gridpay` command, the JSON API, and later the web console and jobs."""
