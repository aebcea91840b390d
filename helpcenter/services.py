"""Writes for organisations and staff (see STYLE.md: keyword-only, typed, validated, atomic)."""

from collections.abc import Iterable

from django.db import transaction

from helpcenter.models import Role, StaffRole, Union, UnionKind, User


@transaction.atomic
def union_ensure(*, code: str, name: str, kind: str, parent: Union | None) -> Union:
    """Create the union with this code, or bring its name, kind and parent up to date."""
    union = Union.objects.filter(code=code).first() or Union(code=code)
    union.name, union.kind, union.parent = name, UnionKind(kind), parent
    union.full_clean()
    union.save()
    return union


@transaction.atomic
def staff_create(
    *,
    username: str,
    name: str,
    union: Union,
    roles: Iterable[str],
    password: str,
    phone: str = "",
) -> User:
    user = User(username=username, name=name, union=union, phone=phone)
    user.set_password(password)
    user.full_clean()
    user.save()
    staff_grant_roles(user=user, roles=roles)
    return user


@transaction.atomic
def staff_grant_roles(*, user: User, roles: Iterable[str]) -> None:
    for role in roles:
        StaffRole.objects.get_or_create(user=user, role=Role(role))
    user.__dict__.pop("roles", None)  # the cached role set is stale now
