"""Temporary supply (临时用电): register, prepay the estimate, connect, settle daily, end with a refund or owed."""
