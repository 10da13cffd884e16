from django.db import migrations, models


class Migration(migrations.Migration):
    """CountingRun is read by finished_at (the last run dates the public counts, the dashboard
    shows the last recount) and pruned by it; about 1.5 M runs over a campaign without pruning."""

    dependencies = [
        ("petitions", "0010_roles"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="countingrun",
            index=models.Index(fields=["finished_at"], name="countingrun_finished"),
        ),
        migrations.AddIndex(
            model_name="countingrun",
            index=models.Index(fields=["kind", "finished_at"], name="countingrun_kind_finished"),
        ),
    ]
