"""Use cases of recharge cards (电费充值卡): batches, redemption once, void."""
