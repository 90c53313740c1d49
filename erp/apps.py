from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(**kwargs):
    from erp.chart import default_chart_load

    default_chart_load()


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = "ERP"

    def ready(self):
        import erp.handlers  # noqa: F401  (subscribes ERP to the lower apps' events)

        # Stock is valued from the first move on: the default chart exists in every database.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="erp.after_migrate")
