"""Background exports from the dashboard in headless Chromium: an XLSX export started from the page,
written by the real Celery worker, its progress followed by the page's script to the download link;
and the progress bar moving as the export's rows are written (screenshot: docs/screenshots/exports.png)."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook
from playwright.sync_api import expect

from petitions.models import AuditLog, ExportJob
from petitions.services import exports
from petitions.services.projections import projections_compute
from petitions.services.tallies import tallies_count
from petitions.validation.validate import signature_validate
from tests.browser import (  # noqa: F401 - the fixtures: pytest finds them by their names here
    fixture_browser,
    fixture_chromium_executable,
    fixture_page,
    fixture_screenshots,
    sign_in_to_the_dashboard,
)
from tests.factories import SignatureFactory, VoterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _signatures_counted(petition) -> None:
    petition.online_counts_directly = True
    petition.save()
    VoterFactory()
    for name in ["Maria", "Maria", "Nobody"]:
        signature_validate(signature_id=SignatureFactory.create(first_name=name).pk)
    # Not pending: the test worker's sweep would validate it meanwhile.
    SignatureFactory(county_id="19", status="review")
    tallies_count()
    projections_compute(petition=petition)


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None
    )
    return errors


@pytest.mark.services
def test_an_xlsx_export_runs_from_the_browser_on_the_worker_with_progress(
    page, organizer, calexit, celery_worker_process, tmp_path
):
    """The real worker writes the file (queue `exports`, where compose's worker-email takes it); the
    web process and the worker share EXPORT_ROOT, as compose's shared volume does."""
    _signatures_counted(calexit)
    csp_errors = _csp_errors(page)
    sign_in_to_the_dashboard(page, organizer)

    page.click("#exports-link")
    page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard/exports/")
    page.check("#export-form input[value=counts]")
    page.select_option("#id_format", "xlsx")
    page.click("#export-start")
    page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard/exports/")
    job = ExportJob.objects.get(user=organizer)
    row = page.locator(f"#export-{job.pk}")
    page.evaluate("window.__samePage = true")  # the script updates the row; the page is never reloaded

    row.locator("[data-field=download]").wait_for()  # the worker wrote it; the page's script saw it

    assert page.evaluate("window.__samePage") is True
    assert row.locator("[data-field=status]").inner_text() == "Done"
    assert row.locator(".progress").get_attribute("aria-valuenow") == "100"
    assert row.locator("[data-field=rows]").inner_text() == "59 of 59 rows"
    with page.expect_download() as download:
        row.locator("[data-field=download]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("calexit-counts-") and saved.suffix == ".xlsx"

    workbook = load_workbook(saved)
    sheet = [list(cells) for cells in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    out = io.StringIO()
    call_command("export_counts", "--petition", "calexit", "--odds", stdout=out, stderr=io.StringIO())
    as_csv = list(csv.reader(io.StringIO(out.getvalue())))
    numbers = [name for name in as_csv[0] if name in exports.NUMERIC_COLUMNS]
    for csv_row, xlsx_row in zip(as_csv[1:], sheet[1:], strict=True):
        for name in numbers:
            index = as_csv[0].index(name)
            expected = float(csv_row[index]) if csv_row[index] else None
            assert xlsx_row[index] == expected, (csv_row[0], name)
    assert sheet[34][:4] == ["34", "Sacramento", 3, 1]
    assert csp_errors == []
    job.refresh_from_db()
    path = exports.export_job_path(job)
    assert path is not None
    path.unlink()  # the worker's folder is the project's var/exports


def test_the_progress_bar_follows_the_export_until_the_download_link(
    page, organizer, calexit, settings, tmp_path, screenshots, monkeypatch
):
    """The export runs on a thread of this test, held once 100 of its 250 rows are written: the page
    shows 40 % without a reload, then the download link once the file is written."""
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EXPORT_ON_A_THREAD = False
    for _ in range(250):
        SignatureFactory()
    queued: list[int] = []
    monkeypatch.setattr(exports, "export_queue", queued.append)
    earlier = exports.export_job_request(user=organizer, petition=calexit, kind="counts", format="xlsx")
    exports.export_job_run(job_id=earlier.pk)
    old = exports.export_job_request(user=organizer, petition=calexit, kind="filing", format="csv")
    ExportJob.objects.filter(pk=old.pk).update(status="expired", created_at=earlier.created_at - timedelta(days=2))
    job = exports.export_job_request(user=organizer, petition=calexit, kind="signatures", format="xlsx", county="34")
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 50)
    halfway, release = threading.Event(), threading.Event()
    save = exports._progress_save

    def held(job_id: int, done: int) -> None:
        save(job_id, done)
        if done == 100:
            halfway.set()
            assert release.wait(60)

    monkeypatch.setattr(exports, "_progress_save", held)
    csp_errors = _csp_errors(page)
    sign_in_to_the_dashboard(page, organizer)
    page.goto("/dashboard/exports/")
    row = page.locator(f"#export-{job.pk}")
    assert row.get_attribute("data-status") == "queued"
    assert row.locator("[data-field=rows]").inner_text() == "waiting for a worker"
    page.evaluate("window.__samePage = true")

    def run() -> None:
        try:
            exports.export_job_run(job_id=job.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert halfway.wait(60)
        expect(row.locator(".progress")).to_have_attribute("aria-valuenow", "40")
        assert row.locator("[data-field=rows]").inner_text() == "100 of 250 rows"
        assert row.locator("[data-field=status]").inner_text() == "Running"
        # The bar's width as the script sets it (Bootstrap animates the drawn width towards it).
        assert row.locator("[data-field=bar]").evaluate("bar => bar.style.width") == "40%"
        page.screenshot(path=str(screenshots / "exports.png"), full_page=True)
    finally:
        release.set()
        worker.join(60)

    row.locator("[data-field=download]").wait_for()
    assert page.evaluate("window.__samePage") is True
    assert row.locator("[data-field=rows]").inner_text() == "250 of 250 rows"
    assert page.locator(f"#export-{old.pk} [data-field=file]").inner_text() == "Deleted"
    with page.expect_download() as download:
        row.locator("[data-field=download]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    workbook = load_workbook(saved)
    assert len(list(workbook.active.iter_rows(values_only=True))) == 251
    workbook.close()
    assert AuditLog.objects.filter(action="signatures.export.download", user=organizer).count() == 1
    assert csp_errors == []
