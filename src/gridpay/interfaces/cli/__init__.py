"""The `gridpay` command: Django management commands with Chinese output."""
