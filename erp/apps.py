from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs):
    from erp.chart import default_chart_load

    default_chart_load()


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = "ERP"

    def ready(self):
        import erp.handlers  # noqa: F401  (subscribes ERP to the lower apps' events)
        from erp import eco_impact
        from plm.impact import register_impact_provider

        # Stock is valued from the first move on: the default chart exists in every database.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="erp.after_migrate")
        # What an ECO touches in stock and open orders, recorded when it is submitted for review.
        register_impact_provider(_("Stock of changed and obsoleted items"), eco_impact.stock_impact)
        register_impact_provider(_("Open production orders"), eco_impact.production_impact)
        register_impact_provider(_("Obsoleted parts still on order"), eco_impact.purchase_impact)
