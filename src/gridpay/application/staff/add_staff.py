"""Adds a member of staff with one role and a password that passes Django's validators."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gridpay.application.errors import InvalidInput
from gridpay.data.staff import role_group
from gridpay.domain.staff_roles import Role
from gridpay.domain.texts import gettext_noop


@dataclass(frozen=True)
class StaffMember:
    username: str
    name: str
    role: str


def add_staff(*, username: str, name: str, role: str, password: str) -> StaffMember:
    username, name = username.strip(), name.strip()
    try:
        known = Role(role)
    except ValueError:
        roles = "、".join(f"{r.value}（{r.label}）" for r in Role)
        raise InvalidInput(gettext_noop("角色应为 {roles}"), field="role", params={"roles": roles}) from None
    if not username or not name:
        raise InvalidInput(gettext_noop("登录名和姓名不能为空"), field="username")
    user_model = get_user_model()
    try:
        validate_password(password, user=user_model(username=username, first_name=name))
    except ValidationError as error:
        raise InvalidInput(gettext_noop("密码不合要求：{problems}"), field="password",
                           params={"problems": "".join(error.messages)}) from None
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(username=username, password=password, first_name=name)
            user.groups.add(role_group(known))
    except IntegrityError:
        raise InvalidInput(gettext_noop("登录名 {username} 已存在"), field="username",
                           params={"username": username}) from None
    return StaffMember(username=username, name=name, role=known.value)
