"""The dashboard's roles, as Django groups with permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ROLES: dict[str, list[str]] = {
    # Sees the numbers, keys paper petitions.
    "Volunteer": ["petitions.view_dashboard"],
    # Also decides signatures in the review queue, so sees signers' details.
    "Reviewer": ["petitions.view_dashboard", "petitions.review_signature", "petitions.view_personal_data"],
    # Campaign staff: everything, including exports of personal data.
    "Organizer": [
        "petitions.view_dashboard",
        "petitions.review_signature",
        "petitions.view_personal_data",
        "petitions.export_personal_data",
    ],
}


def roles_ensure() -> dict[str, Group]:
    """Create the role groups and give them exactly their permissions."""
    groups = {}
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=label, codename=codename)
            for label, codename in (perm.split(".") for perm in codenames)
        ]
        group.permissions.set(permissions)
        groups[name] = group
    return groups
