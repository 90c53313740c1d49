"""`{% scorecard_standing supplier %}`: a supplier's latest measured month (score and rating, with the
warning's reason) for any page that shows a supplier, e.g. the supplier's page."""

from django import template

from core.models import Partner
from srm.selectors.scorecards import latest_scorecard

register = template.Library()


@register.inclusion_tag("srm/scorecards/_standing.html", takes_context=True)
def scorecard_standing(context, supplier: Partner) -> dict:
    user = context.get("user")
    visible = user is not None and user.has_perm("srm.view_scorecard")
    return {"scorecard": latest_scorecard(supplier=supplier) if visible else None, "supplier": supplier}
