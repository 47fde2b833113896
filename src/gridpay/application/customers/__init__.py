"""Use cases around customers: enrolment and import of accounts, their meters, finding them and their file."""
