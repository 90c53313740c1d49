from .attachments import Attachment
from .changes import EcoApproval, EngineeringChangeOrder
from .revisions import BomLine, BomRevision, RoutingOperation, RoutingRevision, effective_on

__all__ = [
    "Attachment",
    "BomLine",
    "BomRevision",
    "EcoApproval",
    "EngineeringChangeOrder",
    "RoutingOperation",
    "RoutingRevision",
    "effective_on",
]
