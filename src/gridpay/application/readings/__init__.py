"""Meter readings: the CSV import and the daily frozen reads asked of the head-end."""
