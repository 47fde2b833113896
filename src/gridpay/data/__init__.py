"""Django models (thin, no business rules), migrations, bulk writes and read queries."""
