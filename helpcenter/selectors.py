from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from helpcenter.models import StaffRole, Union, User


def unions_with_staff_counts(user: User) -> QuerySet[Union]:
    return (
        Union.objects.visible_to(user)
        .select_related("parent")
        .annotate(staff_count=Count("staff", filter=Q(staff__is_active=True)))
    )


def staff_of(union: Union) -> QuerySet[User]:
    return (
        union.staff.filter(is_active=True)
        .order_by("username")
        .prefetch_related(Prefetch("role_grants", queryset=StaffRole.objects.order_by("role")))
    )


def staff_visible_to(user: User) -> QuerySet[User]:
    return User.objects.filter(union__in=Union.objects.visible_to(user), is_active=True)


def locked_account_count() -> int:
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).count()
