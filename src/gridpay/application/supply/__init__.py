"""The smart-payment control loop: alerts, disconnection, reconnection, meter commands, SMS and calls."""
