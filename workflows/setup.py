"""What every database needs for rollout waves, (re)built after each ``migrate``: the roles'
permissions, finance's approval workflow for phase moves and the schedule that lets
approved moves take effect on their date."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS
from django_q.models import Schedule
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    Workflow,
    WorkflowContentType,
    WorkflowTask,
)

from catalog import roles
from workflows.models import PhaseApprovalTask, PhaseMove
from workflows.tasks import APPLY_SCHEDULE_NAME

WORKFLOW_NAME = "導入フェーズ移行の承認"
EVIDENCE_COLLECTION = "導入計画の証跡"
APPROVAL_TASK_NAME = "会計課の承認（フェーズ移行）"

PLAN = "workflows.{action}_rolloutplan"
ROLE_ROLLOUT_PERMISSIONS = {
    # See the waves of their services and ask to move them.
    roles.DEPARTMENT_ADMIN: [
        PLAN.format(action="view"),
        "workflows.add_phasemove",
        "workflows.view_phasemove",
    ],
    # Own the schedule, keep the gates and approve moves.
    roles.FINANCE: [PLAN.format(action=action) for action in ("add", "change", "view")]
    + ["workflows.add_phasemove", "workflows.view_phasemove", "workflows.publish_phasemove"],
    # Keep the waves and the approval set-up: how many approvers a move needs is the
    # task's setting (設定 → ワークフロー → タスク).
    roles.SYSTEM_ADMIN: [
        PLAN.format(action=action) for action in ("add", "change", "delete", "view")
    ]
    + ["workflows.view_phasemove", "wagtailcore.change_task", "wagtailcore.change_workflow"],
}
# Finance attaches contracts and test reports to gate items as Wagtail documents, in the
# staff-only evidence collection (the only one finance may upload to or choose from).
FINANCE_DOCUMENT_PERMISSIONS = ["add_document", "change_document", "choose_document"]


def root_collection():
    """Wagtail's root collection, where evidence documents go. Wagtail's own migration
    creates it; a test that empties the database removes it, so it is made again here."""
    return Collection.get_first_root_node() or Collection.add_root(name="Root")


def evidence_collection():
    """The collection of gate evidence (contracts, test reports): only staff in one of the
    roles may open its documents, never someone who only has the link."""
    root = root_collection()
    collection = root.get_children().filter(name=EVIDENCE_COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=EVIDENCE_COLLECTION)
    restriction, _created = CollectionViewRestriction.objects.get_or_create(
        collection=collection, defaults={"restriction_type": CollectionViewRestriction.GROUPS}
    )
    restriction.groups.add(*Group.objects.filter(name__in=roles.ROLE_PERMISSIONS))
    return collection


def ensure_approval_workflow(using=DEFAULT_DB_ALIAS):
    """Finance's approval of phase moves; created once, kept as staff change it (for
    instance to ask for two approvers)."""
    workflow, created = Workflow.objects.using(using).get_or_create(name=WORKFLOW_NAME)
    if created:
        task = PhaseApprovalTask.objects.using(using).create(name=APPROVAL_TASK_NAME)
        task.groups.set([Group.objects.using(using).get(name=roles.FINANCE)])
        WorkflowTask.objects.using(using).create(workflow=workflow, task=task, sort_order=0)
    content_type = ContentType.objects.db_manager(using).get_for_model(PhaseMove)
    WorkflowContentType.objects.using(using).get_or_create(
        content_type=content_type, defaults={"workflow": workflow}
    )
    return workflow


def ensure_rollout_setup(using=DEFAULT_DB_ALIAS, **kwargs):
    """Grant the roles their rollout permissions and create the workflow and schedule.
    Only adds: what an administrator changed by hand is kept."""
    for name, permission_names in ROLE_ROLLOUT_PERMISSIONS.items():
        group = Group.objects.using(using).get(name=name)
        group.permissions.add(*roles.permissions_named(permission_names))
    finance = Group.objects.using(using).get(name=roles.FINANCE)
    evidence = evidence_collection()
    for codename in FINANCE_DOCUMENT_PERMISSIONS:
        GroupCollectionPermission.objects.using(using).get_or_create(
            group=finance,
            collection=evidence,
            permission=Permission.objects.get(
                content_type__app_label="wagtaildocs", codename=codename
            ),
        )
    ensure_approval_workflow(using)
    Schedule.objects.using(using).get_or_create(
        name=APPLY_SCHEDULE_NAME,
        defaults={
            "func": "workflows.tasks.apply_scheduled_moves",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
