"""The Celery application: one per project, configured from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calexit.settings")

app = Celery("calexit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
