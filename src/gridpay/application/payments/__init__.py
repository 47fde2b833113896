"""Money received and given back: recorded, refunded, at the counter, online, by agents, cards and banks, reconciled."""
