"""Use cases of agent outlets (代收网点): signed requests, payments by account number, float, statements."""
