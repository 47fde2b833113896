"""Tariff definitions in TOML files, and the built-in examples that ship with gridpay."""
