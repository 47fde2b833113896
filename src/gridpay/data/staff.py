"""Staff accounts are Django users; a role is a group named after it."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

from gridpay.domain.staff_roles import Role


def roles_of(user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    if not user.is_authenticated or not getattr(user, "is_active", False):
        return set()
    if getattr(user, "is_superuser", False):
        return {Role.ADMIN}
    names = set(Group.objects.filter(user=user).values_list("name", flat=True))  # type: ignore[misc]
    return {role for role in Role if role.value in names}


def role_group(role: Role) -> Group:
    group, _ = Group.objects.get_or_create(name=role.value)
    return group
