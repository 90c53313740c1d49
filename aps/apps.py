from django.apps import AppConfig


class ApsConfig(AppConfig):
    name = "aps"
    verbose_name = "APS"
