from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """An email's lease and back-off (services.outbox), and the sweep's index for unsent confirmations."""

    dependencies = [
        ("petitions", "0011_countingrun_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="signature",
            name="confirmation_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="signature",
            name="confirmation_retry_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="signature",
            name="form_email_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="signature",
            name="form_email_retry_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(
                condition=models.Q(("channel", "online"), ("confirmation_sent_at__isnull", True)),
                fields=["created_at"],
                name="signature_confirmation_unsent",
            ),
        ),
    ]
