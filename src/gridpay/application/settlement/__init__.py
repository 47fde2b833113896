"""The daily settlement of every prepaid account and the monthly official bill."""
