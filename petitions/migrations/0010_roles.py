"""The four staff roles as groups with their permissions.

Self-contained: the table below is frozen here (petitions/services/roles.py
keeps the living copy). Idempotent: it creates what is missing and sets each
group's permissions to exactly the table's, so running it on a database that
already has the groups changes nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ORGANIZER = [
    "petitions.view_dashboard",
    "petitions.review_signature",
    "petitions.view_personal_data",
    "petitions.export_personal_data",
]
ROLES = {
    "Volunteer": ["petitions.view_dashboard"],
    "Reviewer": ["petitions.view_dashboard", "petitions.review_signature", "petitions.view_personal_data"],
    "Organizer": ORGANIZER,
    "Admin": ORGANIZER + [
        "auth.view_user", "auth.add_user", "auth.change_user", "auth.delete_user", "auth.view_group",
        "petitions.view_petition", "petitions.change_petition",
        "petitions.view_petitionsection", "petitions.change_petitionsection",
        "petitions.view_circulator", "petitions.change_circulator",
        "petitions.view_signature", "petitions.change_signature",
        "petitions.view_voter", "petitions.view_county",
        "petitions.view_tally", "petitions.view_tallychange", "petitions.view_countingrun",
        "petitions.view_countyprojection", "petitions.view_auditlog",
        "otp_totp.view_totpdevice", "otp_totp.delete_totpdevice",
    ],
}


def roles_create(apps, schema_editor):
    # Permissions are normally created after the last migration; the groups need them now.
    for label in ("auth", "petitions", "otp_totp"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=label, codename=codename)
            for label, codename in (perm.split(".") for perm in names)
        ]
        group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0009_holds_and_retention"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("otp_totp", "0001_initial"),
    ]

    operations = [migrations.RunPython(roles_create, migrations.RunPython.noop)]
