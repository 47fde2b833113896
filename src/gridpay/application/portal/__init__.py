"""Use cases of the customer portal: SMS sign-in, a person's accounts, one account's figures and usage."""
