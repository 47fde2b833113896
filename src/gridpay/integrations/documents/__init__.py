"""Printable documents (PDF)."""
