"""Use cases of the staff console around one customer: finding them and seeing everything about their account."""
