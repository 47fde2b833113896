"""gridpay: smart prepayment and revenue collection for electricity utilities."""
