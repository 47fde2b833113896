"""Payment channel adapters: each turns its channel's protocol into gridpay's channel-neutral payment data."""
