"""The web application: the staff console (and, later, the customer portal), server-rendered in Chinese."""
