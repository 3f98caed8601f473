"""Staff roles as Django groups, so a secretariat grants them in the admin like any permission.

The groups and their permissions are (re)applied after every migration, which keeps them in step with
new models without a data migration per change.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

SECRETARIAT = "Secretariat"
ANALYST = "Analyst"

# app label -> permission codename prefixes granted to each role.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    SECRETARIAT: {
        "calls": ("add_", "change_", "delete_", "view_"),
        "submissions": ("change_submission", "view_"),
        "publication": ("change_", "view_"),
        "analysis": ("view_",),
        "reporting": ("add_", "view_"),
    },
    ANALYST: {
        "calls": ("view_",),
        "submissions": ("view_",),
        "publication": ("view_",),
        "analysis": ("add_", "change_", "delete_", "view_"),
        "reporting": ("view_",),
    },
}


def ensure_role_groups(sender=None, **kwargs) -> None:
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            perm
            for app_label, prefixes in grants.items()
            for perm in Permission.objects.filter(content_type__app_label=app_label)
            if perm.codename.startswith(prefixes)
        ]
        group.permissions.add(*wanted)


def has_role(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=role).exists()
