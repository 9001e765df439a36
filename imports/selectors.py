"""Reads for the import screens: whose imports a user sees, and preview pages."""

from django.shortcuts import get_object_or_404

from catalog.permissions import sees_all_departments
from imports.models import ImportJournal, LedgerImport


def imports_visible_to(user):
    """Staff who work across departments see every import; others see their own."""
    imports = LedgerImport.objects.select_related("created_by", "committed_by", "undone_by")
    if sees_all_departments(user):
        return imports
    return imports.filter(created_by=user)


def scoped_import(user, pk):
    """The import ``pk`` if ``user`` may see it, else 404 (not 403: it does not exist
    for them)."""
    return get_object_or_404(imports_visible_to(user), pk=pk)


def preview_page(ledger_import, outcome, page):
    """``(entries, number of pages)`` of the preview's ``outcome`` rows, page from 1."""
    pages = ledger_import.journal.filter(phase=ImportJournal.Phase.PREVIEW, outcome=outcome)
    count = pages.count()
    found = pages.filter(page=page).first()
    return (found.entries if found else []), count
