from crm.models.activities import Activity, ActivityKind  # noqa: F401
from crm.models.leads import QUALIFICATION, Lead, LeadSource, LeadStatus  # noqa: F401
from crm.models.opportunities import LostReason, Opportunity, OpportunityState, SalesTarget, Stage  # noqa: F401
from crm.models.quotes import Quote, QuoteLine, QuoteState  # noqa: F401
from crm.models.service import (  # noqa: F401
    ACTIVE_CASE_STATES,
    CasePriority,
    CaseState,
    CaseUpdate,
    CaseUpdateKind,
    Rma,
    RmaLine,
    RmaState,
    ServiceCase,
    SlaClock,
    SlaPolicy,
)
