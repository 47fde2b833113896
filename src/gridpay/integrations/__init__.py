"""Adapters to the outside world: tariff files, head-end, SMS, payment channels, calendars."""
