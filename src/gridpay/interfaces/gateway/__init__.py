"""The head-end gateway process (`gridpay gateway`)."""
