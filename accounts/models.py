from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.normalize import normalize_email, normalize_kana, normalize_name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        return self.get(email=normalize_email(username))


def _calendar_token() -> str:
    return secrets.token_urlsafe(24)


def _link_key() -> str:
    return secrets.token_urlsafe(9)


class User(AbstractBaseUser, PermissionsMixin):
    class Language(models.TextChoices):
        JA = "ja", "日本語"
        EN = "en", "English"

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100)
    full_name_kana = models.CharField(
        _("full name (kana)"), max_length=100, blank=True, help_text=_("Used to sort lists of people.")
    )
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.JA
    )
    receive_reminders = models.BooleanField(_("receive reminders and announcements"), default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=_calendar_token, editable=False)
    # Part of every unsubscribe link mailed to the person: a new key (from the profile)
    # makes all earlier links stop at once. Empty until the first renewal, which is what
    # links from before keys existed carry, so those keep working until then.
    unsubscribe_key = models.CharField(max_length=16, blank=True, default="", editable=False)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the account was deleted (pseudonymized, accounts.lifecycle): the row stays
    # so past registrations, attendance and answers still count, with no one's name on them.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name_kana", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)
        self.full_name = normalize_name(self.full_name)
        self.full_name_kana = normalize_kana(self.full_name_kana)

    def save(self, *args, **kwargs) -> None:
        # Normalise on every save path (admin, services, allauth), not only forms.
        self.email = normalize_email(self.email)
        self.full_name = normalize_name(self.full_name)
        self.full_name_kana = normalize_kana(self.full_name_kana)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")


# The organization tree (市 → 部 → 課 → 係) is shallow; this bounds every walk up it so
# a parent loop written by hand in the admin cannot hang a page.
MAX_TREE_DEPTH = 8


def _path_up(node, parent_of) -> list:
    """node, its parent, … the top organization (at most MAX_TREE_DEPTH hops)."""
    path = [node]
    for _hop in range(MAX_TREE_DEPTH):
        parent = parent_of(path[-1])
        if parent is None:
            break
        path.append(parent)
    return path


class OrganizationQuerySet(models.QuerySet):
    """The one organization-tree helper: every walk up or down the tree goes through here."""

    def paths(self) -> dict[int, list[Organization]]:
        """Every organization's id → [it, its parent, …, its top], from one query of the whole tree."""
        nodes = {o.pk: o for o in self.model.objects.only("id", "name", "parent_id", "prefecture", "kind")}
        return {pk: _path_up(node, lambda n: nodes.get(n.parent_id)) for pk, node in nodes.items()}

    def root_map(self) -> dict[int, Organization]:
        """Every organization's id → its top organization, from one query of the whole tree."""
        return {pk: path[-1] for pk, path in self.paths().items()}

    def root_ids(self) -> dict[int, int]:
        """Every organization's id → the id of its top organization."""
        return {pk: root.pk for pk, root in self.root_map().items()}

    def descendant_ids(self, root_ids) -> set[int]:
        """The given organizations and everything below them; one query per level."""
        found = set(root_ids)
        frontier = set(found)
        for _level in range(MAX_TREE_DEPTH):
            if not frontier:
                break
            children = set(self.model.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
            frontier = children - found
            found |= frontier
        return found


class Organization(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        COUNCIL_OF_SOCIAL_WELFARE = "council_of_social_welfare", _("Council of social welfare")
        SOCIAL_WELFARE_CORPORATION = "social_welfare_corporation", _("Social welfare corporation")
        NPO = "npo", _("NPO")
        MEDICAL = "medical", _("Medical institution")
        GOVERNMENT = "government", _("Government agency")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices, default=Kind.OTHER)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["prefecture", "name"]
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            # Under one parent a name is one organization, whatever prefecture was typed
            # (a second 草加市 福祉政策課 is refused by the database, not by a form).
            models.UniqueConstraint(
                "name",
                "parent",
                name="organization_unique_name_under_parent",
                condition=models.Q(parent__isnull=False),
            ),
            # Top level: 府中市 exists in 東京都 and 広島県, so the prefecture is part of the name.
            models.UniqueConstraint(
                "name",
                "prefecture",
                name="organization_unique_top_level_name",
                condition=models.Q(parent__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.name = normalize_name(self.name)
        self.name_kana = normalize_kana(self.name_kana)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """草加市 健康福祉部 福祉政策課 — the path from the top organization."""
        return " ".join(node.name for node in reversed(_path_up(self, Organization._parent)))

    def root(self) -> Organization:
        return _path_up(self, Organization._parent)[-1]

    @staticmethod
    def _parent(node: Organization) -> Organization | None:
        return node.parent if node.parent_id else None


class Membership(models.Model):
    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("Organizer")
        COORDINATOR = "coordinator", _("Coordinator")
        REVIEWER = "reviewer", _("Reviewer")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint("user", "organization", "role", name="membership_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} / {self.organization} ({self.get_role_display()})"


class OrganizationDomain(models.Model):
    """A mail domain the organization owns: a verified address on it (or on one of its
    subdomains) is a member at once, without waiting for a coordinator (accounts/membership.py)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("mail domain"), max_length=253)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("verified mail domain")
        verbose_name_plural = _("verified mail domains")
        ordering = ["domain"]
        # One owner per domain: an address must never approve itself into two organizations.
        constraints = [models.UniqueConstraint(Lower("domain"), name="organization_domain_unique")]

    def __str__(self) -> str:
        return self.domain


class MembershipRequest(models.Model):
    """Asking to belong to an organization, or being invited to.

    A Membership row is the grant; this is everything before it. Pending people are
    individual participants: nothing reads these rows to decide what someone may see.
    `organization` is empty for "my organization is not listed": the platform
    administrators create it or map the person to an existing one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        INVITED = "invited", _("Invited")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        PROFILE = "profile", _("Request from the profile")
        INVITATION = "invitation", _("Invitation by a coordinator")
        COORDINATOR = "coordinator", _("Added by a coordinator")

    OPEN = (Status.PENDING, Status.INVITED)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="membership_requests")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="membership_requests",
    )
    # "My organization is not listed": what the person typed, for the administrators.
    requested_name = models.CharField(_("organization name as typed"), max_length=200, blank=True)
    requested_kind = models.CharField(_("kind"), max_length=40, choices=Organization.Kind.choices, blank=True)
    requested_prefecture = models.CharField(_("prefecture"), max_length=10, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.SIGNUP)
    # What the coordinator's invitation was for: {"event": id} (read by the events app).
    context = models.JSONField(default=dict, blank=True)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership request")
        verbose_name_plural = _("membership requests")
        ordering = ["created_at", "id"]
        constraints = [
            # One open request per person and organization (a double submit or a second
            # invitation finds the first).
            models.UniqueConstraint(
                "user",
                "organization",
                name="membership_request_one_open",
                condition=models.Q(status__in=["pending", "invited"], organization__isnull=False),
            ),
            models.UniqueConstraint(
                "user",
                name="membership_request_one_open_unlisted",
                condition=models.Q(status="pending", organization__isnull=True),
            ),
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | ~models.Q(requested_name=""),
                name="membership_request_names_an_organization",
            ),
        ]
        indexes = [models.Index(fields=["status", "organization"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization_label}"

    @property
    def organization_label(self) -> str:
        if self.organization_id:
            return self.organization.display_name
        return self.requested_name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
