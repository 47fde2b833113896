"""The demo town (`gridpay demo`): 码头镇's villages, generated households and simulated days."""
