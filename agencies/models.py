"""Subrecipient agencies, the service categories they are funded for, and their staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ServiceCategory(models.Model):
    """A Ryan White funded service, e.g. Medical Case Management."""

    code = models.SlugField(max_length=20, unique=True, help_text="Short code, e.g. MCM, NMCM, NMCM-SUD, CCMS.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "service categories"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    categories = models.ManyToManyField(ServiceCategory, related_name="agencies", blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class JobRole(models.TextChoices):
    MCM = "mcm", _("Medical case manager")
    NMCM = "nmcm", _("Non-medical case manager")
    CCMS = "ccms", _("Clinical case manager/supervisor")
    SUPERVISOR = "supervisor", _("Supervisor")
    PEER = "peer", _("Peer navigator")
    OTHER = "other", _("Other")


class StaffMember(models.Model):
    """One person's employment at one agency. Leaving or moving keeps the row (history), it is not deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_records")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=20, choices=JobRole.choices)
    hire_date = models.DateField()
    supervisor = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supervisees")
    active = models.BooleanField(default=True)
    left_on = models.DateField(null=True, blank=True)
    is_agency_admin = models.BooleanField(
        default=False, help_text="May manage this agency's roster, assignments and compliance reports."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency__name", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="one_staff_record_per_user_and_agency"),
            models.CheckConstraint(
                condition=Q(active=True) | Q(left_on__isnull=False), name="inactive_staff_has_left_on"
            ),
        ]
        indexes = [models.Index(fields=["agency", "active", "role"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.agency})"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.email or self.user.username


class RoleChange(models.Model):
    """The history of a staff member's job role, so compliance for a past date sees the role of that date."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="role_changes")
    role = models.CharField(max_length=20, choices=JobRole.choices)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["changed_at"]


class TrainingCoordinator(models.Model):
    """A coordinator covers every agency, or only the ones listed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator")
    all_agencies = models.BooleanField(default=True)
    agencies = models.ManyToManyField(Agency, blank=True, related_name="coordinators")

    def __str__(self) -> str:
        return f"Coordinator {self.user}"


class StaffInvitation(models.Model):
    """An agency asked to add a person who already has an account (they may work at another agency).

    Nothing is linked until the person accepts (a signed link, while signed in as that account) or a
    coordinator who already covers every agency involved approves: until then there is no StaffMember, so
    ``agencies.access`` does not count them as this agency's staff and the agency sees only the name and
    email it typed here. Kept after acceptance or cancellation as the record of who linked whom.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_invitations")
    # What the agency typed: the only details of the person it sees before acceptance.
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    # The staff record to create on acceptance.
    role = models.CharField(max_length=20, choices=JobRole.choices)
    hire_date = models.DateField()
    active = models.BooleanField(default=True)
    supervisor_email = models.EmailField(blank=True, help_text="Resolved to the agency's active staff on acceptance.")
    supervises = models.ManyToManyField(
        StaffMember, blank=True, related_name="+", help_text="Staff whose supervisor this person becomes on acceptance."
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The coordinator who approved it; empty when the person accepted it themselves.",
    )
    staff = models.ForeignKey(StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "user"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="one_pending_invitation_per_user_and_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.agency}"

    @property
    def typed_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None
