"""The roles' import permissions, granted after every ``migrate`` like the other apps'.

Importing a ledger kind needs the add and change permissions of what it writes (see
:attr:`imports.kinds.base.Kind.permissions`): department administrators import their
catalog, collections and slips; finance imports collections and slips for every
department; system administrators import everything.
"""

from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS

from catalog import roles

LEDGER_RECORDS = [
    f"channels.{action}_{model}"
    for model in ("collectionrecord", "paymentslip")
    for action in ("add", "change", "view")
]
IMPORTS = ["imports.add_ledgerimport", "imports.view_ledgerimport"]

ROLE_IMPORT_PERMISSIONS = {
    roles.DEPARTMENT_ADMIN: LEDGER_RECORDS + IMPORTS,
    roles.FINANCE: LEDGER_RECORDS + IMPORTS,
    roles.SYSTEM_ADMIN: LEDGER_RECORDS + IMPORTS,
}


def ensure_import_permissions(using=DEFAULT_DB_ALIAS, **kwargs):
    """Grant the roles their import permissions; only adds, never removes."""
    for name, permission_names in ROLE_IMPORT_PERMISSIONS.items():
        group = Group.objects.using(using).get(name=name)
        group.permissions.add(*roles.permissions_named(permission_names))
