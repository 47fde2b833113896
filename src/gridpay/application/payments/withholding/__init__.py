"""Use cases of bank withholding (代扣) and auto-recharge."""
