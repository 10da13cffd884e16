"""The dashboard's roles, as Django groups with permissions.

The same table is frozen in migrations/0010_roles.py, which creates the groups
on every database; `roles_ensure` brings them back to it (tests, load_demo).
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ORGANIZER = [
    "petitions.view_dashboard",
    "petitions.review_signature",
    "petitions.view_personal_data",
    "petitions.export_personal_data",
]
ROLES: dict[str, list[str]] = {
    # Sees the numbers, keys paper petitions (not the names keyed before), receives forms.
    "Volunteer": ["petitions.view_dashboard"],
    # Also decides signatures in the review queue, so sees signers' details.
    "Reviewer": ["petitions.view_dashboard", "petitions.review_signature", "petitions.view_personal_data"],
    # Campaign staff: everything on the dashboard, including exports of personal data.
    "Organizer": ORGANIZER,
    # Organizer plus the Django admin (create_staff also sets is_staff) and staff accounts.
    # No delete_signature: signatures are never deleted from the admin.
    "Admin": ORGANIZER
    + [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "auth.view_group",
        "petitions.view_petition",
        "petitions.change_petition",
        "petitions.view_petitionsection",
        "petitions.change_petitionsection",
        "petitions.view_circulator",
        "petitions.change_circulator",
        "petitions.view_signature",
        "petitions.change_signature",
        "petitions.view_voter",
        "petitions.view_county",
        "petitions.view_tally",
        "petitions.view_tallychange",
        "petitions.view_countingrun",
        "petitions.view_countyprojection",
        "petitions.view_auditlog",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
    ],
}
# Roles whose members must prove a TOTP code after their password (personal data, exports, the admin).
SECOND_FACTOR_ROLES = frozenset({"Reviewer", "Organizer", "Admin"})


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
