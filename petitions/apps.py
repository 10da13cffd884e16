from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "petitions"
    verbose_name = "Petitions"

    def ready(self) -> None:
        # Registers the Celery tasks in every process: services send them by name (petitions.queue).
        from petitions import tasks  # noqa: F401
