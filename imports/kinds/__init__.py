"""The ledger kinds staff can import, by code (see :mod:`imports.kinds.base`)."""

from imports.kinds.assessments import AssessmentKind
from imports.kinds.catalog_kinds import FacilityKind, ServiceKind
from imports.kinds.collections import CollectionKind
from imports.kinds.slips import SlipKind

KINDS = {
    kind.code: kind()
    for kind in (ServiceKind, FacilityKind, CollectionKind, AssessmentKind, SlipKind)
}


def kind_for(code):
    """The ledger kind registered under ``code`` (a :class:`imports.models.LedgerKind`)."""
    return KINDS[code]
