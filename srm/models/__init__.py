from srm.models.contracts import CallOff, CallOffLine, Contract, ContractLine, ContractState  # noqa: F401
from srm.models.portal import Asn, AsnLine, PoConfirmation, PoConfirmationLine  # noqa: F401
from srm.models.scorecards import (  # noqa: F401
    Scorecard,
    ScorecardMetric,
    ScorecardRating,
    ScorecardThreshold,
    SupplierQualityEvent,
)
from srm.models.sourcing import (  # noqa: F401
    QuoteState,
    Rfq,
    RfqInvitation,
    RfqLine,
    RfqState,
    SupplierQuote,
    SupplierQuoteLine,
)
from srm.models.suppliers import Approval, Certificate, CertificateKind, SupplierItem, SupplierPrice  # noqa: F401
