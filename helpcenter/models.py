"""Organisations and staff: the county federation, its grassroots unions, and who works there."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    FINANCE = "finance", _("Finance")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


class UnionKind(models.TextChoices):
    COUNTY = "county", _("County federation")
    ENTERPRISE = "enterprise", _("Enterprise union")
    AGENCY = "agency", _("Government agency or institution union")
    TOWNSHIP = "township", _("Township or street union")
    INDUSTRY = "industry", _("Industry union")


EVERY_UNION = object()  # what county staff see: every union


def _scope_of(user) -> object:
    """EVERY_UNION for county staff, their union's id for grassroots staff, None for anyone
    else (anonymous, an account with no union)."""
    if not getattr(user, "is_authenticated", False) or user.union_id is None:
        return None
    return EVERY_UNION if user.works_county_wide else user.union_id


def union_scope(user, *, field: str = "union_id") -> models.Q | None:
    """The one rule of visibility: county staff see everything (None); grassroots staff see
    rows whose `field` is their union; anyone else, nothing. Every visible_to() builds on it."""
    scope = _scope_of(user)
    if scope is None:
        return models.Q(pk__in=[])
    if scope is EVERY_UNION:
        return None
    return models.Q(**{field: scope})


def in_scope(user, union_id: int | None) -> bool:
    """The same rule for one object already in hand: whether a row of `union_id` is within
    `user`'s scope (the services check each object they act on with it)."""
    scope = _scope_of(user)
    return scope is EVERY_UNION or (scope is not None and union_id == scope)


class UnionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "UnionQuerySet":
        """County staff see every union; grassroots staff see their own."""
        scope = union_scope(user, field="pk")
        return self.all() if scope is None else self.filter(scope)


class Union(models.Model):
    """A county federation (no parent) or one of its grassroots unions."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("A short code used in file numbers and imports, e.g. 1301."),
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnionKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent union"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("union")
        verbose_name_plural = _("unions")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="county") & models.Q(parent__isnull=True))
                | (~models.Q(kind="county") & models.Q(parent__isnull=False)),
                name="union_county_is_root",
                violation_error_message=_(
                    "A county federation has no parent; every grassroots union has one."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_county(self) -> bool:
        return self.kind == UnionKind.COUNTY


class User(AbstractUser):
    """A staff member. Belongs to one union and holds one or more roles (see StaffRole)."""

    first_name = None
    last_name = None
    name = models.CharField(_("full name"), max_length=50)
    union = models.ForeignKey(
        Union,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("union"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(union__isnull=False) | models.Q(is_superuser=True),
                name="user_belongs_to_union",
                violation_error_message=_("Every staff member belongs to a union."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.is_active or self.pk is None:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of the given roles."""
        return not self.roles.isdisjoint(roles)

    @cached_property
    def works_county_wide(self) -> bool:
        return self.union_id is not None and self.union.is_county


class StaffRole(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("staff member")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="staff_role_unique"),
        ]

    def __str__(self) -> str:
        return self.get_role_display()
