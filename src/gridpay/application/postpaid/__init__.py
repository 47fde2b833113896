"""Postpaid accounts (后付费): monthly bills, their payment, late fees and the arrears procedure."""
