"""Thin entry points (api, web, cli, jobs, gateway: none imports another) and what they share, the clock first."""
