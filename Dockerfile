# One image for the web server, the Celery worker, beat and migrations
# (docker-compose.yml). The Python here is the one CI tests with.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The application runs as an unprivileged user that cannot change its own code.
RUN groupadd --system --gid 1000 calexit \
    && useradd --system --uid 1000 --gid calexit --home-dir /app --no-create-home --shell /usr/sbin/nologin calexit

# gettext: compilemessages (the translations, locale/) at build time; fonts-arphic-uming: the
# wet-ink form in Chinese (settings.PDF_CJK_FONT).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-arphic-uming \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt

COPY . .

# Settings refuse the development key, a non-https SITE_URL and an unset
# EMAIL_BACKEND when DEBUG is off; these values exist only for this build step.
# DEBUG=0 so that the manifest (hashed names) is written, as the production
# storage needs it.
RUN export DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only SITE_URL=https://build.invalid EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend \
    && python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore '.venv' -v 0

# Background exports' files (EXPORT_ROOT): a named volume mounted here takes this folder's owner and mode.
RUN mkdir -p /app/var/exports && chown calexit:calexit /app/var/exports && chmod 0700 /app/var/exports

USER calexit

EXPOSE 8000

# Workers: WEB_CONCURRENCY (gunicorn's own variable), 1 when unset.
CMD ["gunicorn", "calexit.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", "--error-logfile", "-"]
