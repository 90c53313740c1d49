"""Customer order tracking for sales staff: the open sales orders with their live status (in production with
% done, ready, shipped with carrier and tracking number, invoiced), and one order line by line, as the
customer sees it through the portal."""

from django.urls import path
from django.utils.translation import gettext as _
from django.views import generic
from django_filters.views import FilterView

from core.exports import EXPORTERS
from core.views.generic import ModelPermissionMixin, filtered_rows
from crm.selectors.tracking import OPEN_STATES, order_tracking, orders_tracked, tracked_orders
from erp.filtersets.sales import SalesOrderFilterSet
from erp.models import SalesOrder


class OrderTrackingListView(ModelPermissionMixin, FilterView):
    """Open orders (confirmed, not invoiced in full) unless a state is filtered for; the page's orders are
    tracked together, in a fixed number of queries."""

    model = SalesOrder
    filterset_class = SalesOrderFilterSet
    template_name = "crm/orders/order_list.html"
    paginate_by = 50

    def get_queryset(self):
        orders = tracked_orders().order_by("-number")
        if not self.request.GET.getlist("state"):
            orders = orders.filter(state__in=OPEN_STATES)
        return orders

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export", "")
        if export in EXPORTERS:
            return EXPORTERS[export](self.export_rows(), "order-tracking", _("Order tracking"))
        return super().get(request, *args, **kwargs)

    def export_rows(self):
        """The page's columns for every order the filters keep (all pages), tracked together."""
        yield [
            _("Order"),
            _("Customer"),
            _("Customer name"),
            _("Their reference"),
            _("Requested"),
            _("Promised"),
            _("Status"),
            _("Production %"),
            _("Shipped with"),
        ]
        for tracking in orders_tracked(filtered_rows(self)):
            order = tracking.order
            yield [
                order.number,
                order.customer.code,
                order.customer.name,
                order.customer_reference,
                order.requested_date,
                order.promised_date,
                tracking.status_label,
                tracking.percent_done,
                "; ".join(f"{s.carrier} {s.tracking_number}".strip() for s in tracking.shipped_with),
            ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["trackings"] = orders_tracked(context["object_list"])
        return context


class OrderTrackingDetailView(ModelPermissionMixin, generic.DetailView):
    model = SalesOrder
    template_name = "crm/orders/order_detail.html"

    def get_queryset(self):
        return SalesOrder.objects.select_related("customer", "currency")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order, user = self.object, self.request.user
        context.update(
            tracking=order_tracking(sales_order=order),
            quote=getattr(order, "quote", None) if user.has_perm("crm.view_quote") else None,
        )
        return context


urlpatterns = [
    path("orders/", OrderTrackingListView.as_view(), name="order_tracking"),
    path("orders/<int:pk>/", OrderTrackingDetailView.as_view(), name="order_tracking_detail"),
]
