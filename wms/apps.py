from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(**kwargs):
    from wms.locations import virtual_locations_load

    virtual_locations_load()


class WmsConfig(AppConfig):
    name = "wms"
    verbose_name = "WMS"

    def ready(self):
        # The virtual locations exist in every database, and again after a test-database flush.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="wms.after_migrate")
