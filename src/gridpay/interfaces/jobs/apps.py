"""Registers the schedule's jobs with Django, for their command (`gridpay worker`)."""

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "gridpay.interfaces.jobs"
    label = "gridpay_jobs"
