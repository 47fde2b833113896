"""Scheduled jobs run by the django-q2 worker (`gridpay worker`)."""
