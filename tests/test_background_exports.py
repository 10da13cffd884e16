"""Exports that run in the background (ExportJob, task export_run): the file and its progress, the
same numbers in XLSX as in CSV, byte-compatible with the export commands, expiry, who may ask for and
download what, and the audit rows of personal-data exports."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from petitions.models import AuditLog, ExportJob, PetitionSection
from petitions.services import exports
from petitions.services.exports import (
    ExportRefused,
    export_job_request,
    export_job_run,
    export_jobs_expire,
)
from petitions.services.projections import odds_compute, projections_compute
from petitions.services.staff import staff_create
from petitions.services.tallies import tallies_count
from petitions.validation.validate import signature_validate
from tests.conftest import login_verified, wait_for
from tests.factories import SignatureFactory, VoterFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _private_export_root(settings, tmp_path):
    """Each test's files in a folder of its own; tasks run in the test (not on the embedded thread)."""
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EXPORT_ON_A_THREAD = False
    return settings.EXPORT_ROOT


@pytest.fixture
def counted(calexit):
    """Sacramento: one valid, its duplicate, one not registered; Los Angeles: one pending; counted,
    projected and simulated, so every column of the counts has a number."""
    calexit.online_counts_directly = True
    calexit.save()
    VoterFactory()
    for name in ["Maria", "Maria", "Nobody"]:
        signature_validate(signature_id=SignatureFactory.create(first_name=name).pk)
    SignatureFactory(county_id="19", status="pending")
    tallies_count()
    projections_compute(petition=calexit)
    odds_compute(petition=calexit)
    return calexit


def command_output(*args: str) -> bytes:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().encode()


def finished(job: ExportJob) -> ExportJob:
    done = export_job_run(job_id=job.pk)
    assert done is not None
    return done


def file_of(job: ExportJob):
    path = exports.export_job_path(job)
    assert path is not None, job
    return path


def request(user, petition, kind, format, **filters) -> ExportJob:
    """Ask for an export as `user` without running it (the task runs when the test says so)."""
    queued: list[int] = []
    with patch.object(exports, "export_queue", queued.append):
        job = export_job_request(user=user, petition=petition, kind=kind, format=format, **filters)
    assert queued == [job.pk]
    return job


def xlsx_rows(path) -> list[list[object]]:
    workbook = load_workbook(path)
    rows = [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def same_cell(csv_cell: str, xlsx_cell: object) -> bool:
    """A CSV cell and an XLSX cell hold the same thing: the same number, or the same text."""
    if xlsx_cell is None:
        return csv_cell == ""
    if isinstance(xlsx_cell, bool):
        return False
    if isinstance(xlsx_cell, int | float):
        return csv_cell != "" and float(csv_cell) == float(xlsx_cell)
    return csv_cell == xlsx_cell


# --- The files ---------------------------------------------------------------------------------------


def test_a_counts_export_is_the_export_counts_command_byte_for_byte(counted, organizer):
    as_csv = finished(request(organizer, counted, "counts", "csv"))
    as_json = finished(request(organizer, counted, "counts", "json"))

    assert file_of(as_csv).read_bytes() == command_output("export_counts", "--petition", "calexit", "--odds")
    assert file_of(as_json).read_bytes() == command_output("export_counts", "--petition", "calexit", "--format", "json")
    assert json.loads(file_of(as_json).read_text())["projection"]["odds"]["runs"] > 0
    assert (as_csv.status, as_csv.rows_done, as_csv.rows_total) == ("done", 59, 59)  # 58 counties and the state


def test_the_xlsx_opens_with_openpyxl_and_holds_the_same_numbers_as_the_csv(counted, volunteer):
    as_csv = finished(request(volunteer, counted, "counts", "csv"))
    as_xlsx = finished(request(volunteer, counted, "counts", "xlsx"))

    csv_rows = list(csv.reader(io.StringIO(file_of(as_csv).read_text())))
    sheet = xlsx_rows(file_of(as_xlsx))
    assert len(sheet) == len(csv_rows) == 60
    assert sheet[0] == csv_rows[0]
    for csv_row, xlsx_row in zip(csv_rows, sheet, strict=True):
        assert len(xlsx_row) == len(csv_row)
        assert all(same_cell(a, b) for a, b in zip(csv_row, xlsx_row, strict=True)), (csv_row, xlsx_row)
    sacramento = dict(zip(sheet[0], sheet[34], strict=True))
    statewide = dict(zip(sheet[0], sheet[59], strict=True))
    # Numbers are numbers (a spreadsheet can add them up); codes stay text with their leading zero.
    assert sacramento["county_code"] == "34" and sheet[1][0] == "01"
    assert (sacramento["raw"], sacramento["valid"], sacramento["duplicate"]) == (3, 1, 1)
    assert isinstance(sacramento["validity_rate"], float) and 0 < sacramento["validity_rate"] <= 1
    assert statewide["raw"] == 4 and isinstance(statewide["odds_qualifies"], int | float)
    assert statewide["odds_qualifies"] == pytest.approx(float(csv_rows[59][csv_rows[0].index("odds_qualifies")]))


def test_signatures_as_xlsx_match_the_csv_and_escape_formulas(calexit, organizer):
    SignatureFactory(first_name='=HYPERLINK("http://x")', last_name="+1", email="@evil@example.com")
    SignatureFactory(first_name="Ana\x07", last_name="Núñez")
    as_csv = finished(request(organizer, calexit, "signatures", "csv"))
    as_xlsx = finished(request(organizer, calexit, "signatures", "xlsx"))

    csv_rows = list(csv.reader(io.StringIO(file_of(as_csv).read_text())))
    sheet = xlsx_rows(file_of(as_xlsx))
    assert csv_rows[0] == exports.SIGNATURES_HEADER and sheet[0] == csv_rows[0]
    formula = dict(zip(sheet[0], sheet[1], strict=True))
    assert formula["first_name"] == '\'=HYPERLINK("http://x")'  # text, as in the CSV, never a formula
    assert formula["last_name"] == "'+1" and formula["email"] == "'@evil@example.com"
    assert dict(zip(sheet[0], sheet[2], strict=True))["first_name"] == "Ana"  # XLSX cannot hold a BEL
    assert dict(zip(sheet[0], sheet[2], strict=True))["last_name"] == "Núñez"
    for csv_row, xlsx_row in zip(csv_rows[1:], sheet[1:], strict=True):
        for column, a, b in zip(csv_rows[0], csv_row, xlsx_row, strict=True):
            assert column == "first_name" or same_cell(a, b), (column, a, b)


def test_a_large_xlsx_goes_on_as_many_sheets_as_it_needs_each_with_the_header(calexit, organizer, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_SHEET_ROWS", 4)  # the header and 3 rows a sheet
    ids = [SignatureFactory().pk for _ in range(7)]
    job = finished(request(organizer, calexit, "signatures", "xlsx"))

    workbook = load_workbook(file_of(job))
    assert workbook.sheetnames == ["Signatures", "Signatures 2", "Signatures 3"]
    sheets = [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]
    workbook.close()
    assert all(rows[0][0] == "id" for rows in sheets)
    assert [row[0] for rows in sheets for row in rows[1:]] == ids


def test_sections_and_filing_lists_per_county(calexit, volunteer):
    section = PetitionSection.objects.create(petition=calexit, number="34-0007", county_id="34", status="keyed")
    PetitionSection.objects.create(petition=calexit, number="19-0001", county_id="19")
    for line, status in enumerate(["valid", "valid", "invalid", "pending"], start=1):
        reason = "not_registered" if status == "invalid" else ""
        SignatureFactory(channel="paper", section=section, line=line, status=status, reason=reason)

    sections = finished(request(volunteer, calexit, "sections", "json", county="34"))
    document = json.loads(file_of(sections).read_text())
    assert document["kind"] == "sections" and document["filters"] == {"county": "34"}
    assert document["columns"] == exports.SECTIONS_HEADER
    [row] = document["rows"]
    assert (row["number"], row["lines"], row["valid"], row["invalid"], row["pending"]) == ("34-0007", 4, 2, 1, 1)
    assert row["code"].startswith("S")

    filing = finished(request(volunteer, calexit, "filing", "csv", county="34"))
    rows = list(csv.reader(io.StringIO(file_of(filing).read_text())))
    assert rows[1][:5] == ["34", "Sacramento", "section", "34-0007", row["code"]]
    assert rows[-1][2:] == ["total", "", "", "", "", "", "4"]
    assert (filing.rows_done, filing.rows_total) == (2, 2)  # the section, then the total


def test_a_signature_export_narrowed_to_a_county_or_a_section(calexit, organizer):
    section = PetitionSection.objects.create(petition=calexit, number="34-0009", county_id="34")
    on_paper = SignatureFactory(channel="paper", section=section, line=1)
    SignatureFactory(county_id="19")
    sacramento = SignatureFactory(county_id="34")

    by_county = finished(request(organizer, calexit, "signatures", "csv", county="34"))
    by_section = finished(
        request(organizer, calexit, "signatures", "csv", section=f"{exports.section_code(section.pk)}")
    )

    def ids(job):
        return [int(row["id"]) for row in csv.DictReader(io.StringIO(file_of(job).read_text()))]

    assert ids(by_county) == [on_paper.pk, sacramento.pk]
    assert ids(by_section) == [on_paper.pk]
    assert by_section.label == "Signatures, section 34-0009 (Sacramento)"


# --- Progress and running ------------------------------------------------------------------------------


def test_the_task_saves_its_progress_as_it_writes(calexit, organizer, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 5)
    for _ in range(23):
        SignatureFactory()
    job = request(organizer, calexit, "signatures", "csv")
    assert (job.status, job.rows_done, job.rows_total) == ("queued", 0, None)

    seen: list[tuple[str, int, int | None]] = []
    save = exports._progress_save

    def watched(job_id: int, done: int) -> None:
        save(job_id, done)
        row = ExportJob.objects.get(pk=job_id)
        seen.append((row.status, row.rows_done, row.rows_total))

    monkeypatch.setattr(exports, "_progress_save", watched)
    from petitions.tasks import export_run

    assert export_run.apply(args=(job.pk,)).get() == "done"

    assert seen == [("running", done, 23) for done in (5, 10, 15, 20)]
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == ("done", 23, 23)
    assert job.started_at <= job.finished_at
    path = file_of(job)
    assert path.parent == exports.export_root() and path.suffix == ".csv"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # personal data: the owner only
    assert len(path.read_text().splitlines()) == 24
    assert export_job_run(job_id=job.pk) is None  # a second delivery of the message does nothing


def test_an_export_that_fails_says_so_and_leaves_no_file(calexit, volunteer, monkeypatch, _private_export_root):
    def broken(rows, job_id, total):
        yield next(iter(rows))
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "_with_progress", broken)
    job = finished(request(volunteer, calexit, "counts", "csv"))

    assert job.status == "failed" and job.error == "The export stopped (RuntimeError)."
    assert job.file_name == "" and list(_private_export_root.iterdir()) == []


def test_the_export_task_is_routed_to_the_exports_queue_with_time_limits(settings):
    from calexit.celery import app
    from petitions.tasks import export_expire, export_run

    for task in (export_run, export_expire):
        assert app.amqp.router.route({}, task.name)["queue"].name == "exports"
        assert task.soft_time_limit < task.time_limit < exports.LEFTOVER_SECONDS
    entry = settings.CELERY_BEAT_SCHEDULE["expire-exports"]
    assert entry["task"] == "petitions.tasks.export_expire"
    assert entry["options"]["expires"] == settings.EXPORT_EXPIRE_INTERVAL


# --- Expiry --------------------------------------------------------------------------------------------


def test_expiry_removes_the_file_and_the_download_says_so(counted, volunteer, settings):
    client = Client()
    login_verified(client, volunteer)
    job = finished(request(volunteer, counted, "counts", "xlsx"))
    path = file_of(job)
    assert job.expires_at == job.finished_at + timedelta(hours=settings.EXPORT_KEEP_HOURS)
    assert client.get(f"/dashboard/exports/{job.pk}/download/").status_code == 200

    assert export_jobs_expire(now=job.expires_at - timedelta(seconds=1))["expired"] == 0
    assert path.exists()
    assert export_jobs_expire(now=job.expires_at)["expired"] == 1

    job.refresh_from_db()
    assert (job.status, job.file_name) == ("expired", "") and not path.exists()
    response = client.get(f"/dashboard/exports/{job.pk}/download/")
    assert response.status_code == 410
    assert "This export expired on" in response.content.decode() and "Start it again" in response.content.decode()
    status = client.get(f"/dashboard/exports/{job.pk}/status.json").json()
    assert (status["status"], status["download_url"]) == ("expired", None)


def test_a_download_after_the_expiry_deletes_the_file_even_before_the_periodic_task(counted, volunteer):
    client = Client()
    login_verified(client, volunteer)
    job = finished(request(volunteer, counted, "counts", "csv"))
    path = file_of(job)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert client.get(f"/dashboard/exports/{job.pk}/download/").status_code == 410
    assert not path.exists()
    assert ExportJob.objects.get(pk=job.pk).status == "expired"


def test_the_periodic_task_fails_a_dead_workers_export_and_removes_leftover_files(
    calexit, volunteer, _private_export_root
):
    stuck = request(volunteer, calexit, "counts", "csv")
    long_ago = timezone.now() - timedelta(seconds=exports.LEFTOVER_SECONDS + 5)
    ExportJob.objects.filter(pk=stuck.pk).update(status="running", started_at=long_ago)
    kept = finished(request(volunteer, calexit, "counts", "csv"))
    leftover = exports.export_root() / f"{stuck.pk}-0123456789abcdef.csv.partial"
    leftover.write_text("half")
    young = exports.export_root() / "999-young.csv.partial"  # perhaps being written right now
    young.write_text("half")
    os.utime(leftover, (long_ago.timestamp(), long_ago.timestamp()))
    os.utime(file_of(kept), (long_ago.timestamp(), long_ago.timestamp()))

    from petitions.tasks import export_expire

    result = export_expire.apply().get()

    assert (result["failed"], result["leftovers"]) == (1, 1)
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "worker" in stuck.error
    assert not leftover.exists() and young.exists() and file_of(kept).exists()


def test_a_queued_export_the_broker_lost_is_sent_again(calexit, volunteer, settings):
    lost = request(volunteer, calexit, "counts", "csv")
    ExportJob.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.EXPORT_EXPIRE_INTERVAL + 1)
    )
    fresh = request(volunteer, calexit, "counts", "json")
    sent: list[int] = []
    with patch.object(exports, "export_queue", sent.append):
        assert export_jobs_expire()["requeued"] == 1
    assert sent == [lost.pk] and fresh.pk not in sent


# --- Who may do what -----------------------------------------------------------------------------------

ROLES = ["no role", "Volunteer", "Reviewer", "Organizer", "Admin"]
MAY_EXPORT_SIGNATURES = {"Organizer", "Admin"}


def user_in(role: str, roles) -> User:
    if role == "Admin":
        return staff_create(username="admin-user", role="admin", password=PASSWORD)
    user = User.objects.create_user(username=role.replace(" ", "-").lower(), password=PASSWORD)
    if role != "no role":
        user.groups.add(roles[role])
    return user


@pytest.mark.parametrize("role", ROLES)
def test_counts_for_every_dashboard_role_signatures_for_organizers_and_up(role, roles, calexit):
    SignatureFactory()
    client = Client()
    login_verified(client, user_in(role, roles))

    page = client.get("/dashboard/exports/")
    counts = client.post("/dashboard/exports/", {"kind": "counts", "format": "xlsx"})
    signatures = client.post("/dashboard/exports/", {"kind": "signatures", "format": "csv"})

    if role == "no role":
        assert (page.status_code, counts.status_code, signatures.status_code) == (403, 403, 403)
        assert not ExportJob.objects.exists()
        return
    assert page.status_code == 200
    assert ('value="signatures"' in page.content.decode()) == (role in MAY_EXPORT_SIGNATURES)
    assert counts.status_code == 302
    if role in MAY_EXPORT_SIGNATURES:
        assert signatures.status_code == 302
        assert sorted(ExportJob.objects.values_list("kind", flat=True)) == ["counts", "signatures"]
    else:
        assert signatures.status_code == 403
        assert list(ExportJob.objects.values_list("kind", flat=True)) == ["counts"]


def test_anonymous_users_are_sent_to_sign_in(calexit):
    client = Client()
    for url in ("/dashboard/exports/", "/dashboard/exports/1/status.json", "/dashboard/exports/1/download/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_only_the_user_who_asked_sees_or_downloads_an_export(calexit, roles, organizer):
    other = user_in("Admin", roles)
    job = finished(request(organizer, calexit, "counts", "csv"))
    client = Client()
    login_verified(client, other)

    assert client.get(f"/dashboard/exports/{job.pk}/status.json").status_code == 404
    assert client.get(f"/dashboard/exports/{job.pk}/download/").status_code == 404
    assert f"export-{job.pk}" not in client.get("/dashboard/exports/").content.decode()


def test_an_organizer_who_lost_the_role_cannot_download_the_signatures_they_asked_for(calexit, roles, organizer):
    job = finished(request(organizer, calexit, "signatures", "csv"))
    organizer.groups.set([roles["Volunteer"]])
    client = Client()
    login_verified(client, User.objects.get(pk=organizer.pk))

    assert client.get(f"/dashboard/exports/{job.pk}/download/").status_code == 403
    assert not AuditLog.objects.filter(action="signatures.export.download").exists()


def test_asking_for_and_downloading_signatures_are_audited_counts_are_not(counted, organizer):
    client = Client()
    login_verified(client, organizer)
    client.post("/dashboard/exports/", {"kind": "counts", "format": "csv"})
    client.post("/dashboard/exports/", {"kind": "signatures", "format": "xlsx", "county": "34"})
    assert not AuditLog.objects.filter(action__startswith="export").exists()

    job = ExportJob.objects.get(kind="signatures")
    asked = AuditLog.objects.get(action="signatures.export")
    assert asked.user == organizer and asked.object_id == str(counted.pk)
    assert asked.detail == {"job": job.pk, "format": "xlsx", "filters": {"county": "34"}, "output": "dashboard"}
    assert not AuditLog.objects.filter(action="signatures.export.download").exists()

    export_job_run(job_id=job.pk)  # what the worker does (this client does not run after-commit work)
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == 3  # Sacramento's three
    response = client.get(f"/dashboard/exports/{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    assert response["Content-Disposition"].startswith('attachment; filename="calexit-signatures-34-')
    assert response["Cache-Control"].startswith("max-age=0")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(list(workbook.active.iter_rows(values_only=True))) == 4
    workbook.close()
    downloaded = AuditLog.objects.get(action="signatures.export.download")
    assert downloaded.user == organizer
    assert downloaded.detail == {"job": job.pk, "format": "xlsx", "filters": {"county": "34"}, "rows": 3}
    counts_job = export_job_run(job_id=ExportJob.objects.get(kind="counts").pk)
    assert counts_job is not None
    assert client.get(f"/dashboard/exports/{counts_job.pk}/download/").status_code == 200
    assert AuditLog.objects.filter(action__startswith="signatures.export").count() == 2  # counts: none


def test_the_status_endpoint_says_how_far_an_export_is(calexit, volunteer):
    client = Client()
    login_verified(client, volunteer)
    job = request(volunteer, calexit, "counts", "csv")
    queued = client.get(f"/dashboard/exports/{job.pk}/status.json")
    assert queued["Cache-Control"].startswith("max-age=0")
    assert queued.json() | {"expires_at": None, "expires_label": None} == {
        "id": job.pk,
        "status": "queued",
        "status_label": "Queued",
        "rows_done": 0,
        "rows_total": None,
        "percent": 0,
        "error": "",
        "download_url": None,
        "expires_at": None,
        "expires_label": None,
    }
    ExportJob.objects.filter(pk=job.pk).update(status="running", rows_done=20, rows_total=59)
    assert client.get(f"/dashboard/exports/{job.pk}/status.json").json()["percent"] == 33
    ExportJob.objects.filter(pk=job.pk).update(status="queued")
    export_job_run(job_id=job.pk)
    done = client.get(f"/dashboard/exports/{job.pk}/status.json").json()
    assert (done["status"], done["percent"], done["rows_done"]) == ("done", 100, 59)
    assert done["download_url"] == f"/dashboard/exports/{job.pk}/download/"


# --- Bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"kind": "counts", "format": "xlsx", "county": "99"}, "No county"),
        ({"kind": "counts", "format": "xlsx", "county": "34"}, "Counts always cover every county"),
        ({"kind": "sections", "format": "csv", "section": "34-0001"}, "A section narrows a signature export only"),
        ({"kind": "signatures", "format": "csv", "section": "nope"}, "No section"),
        ({"kind": "signatures", "format": "csv", "section": "34-0001", "county": "19"}, "circulates in Sacramento"),
        ({"kind": "everything", "format": "csv"}, "Choose what to export"),
        ({"kind": "counts", "format": "pdf"}, "Choose CSV, XLSX or JSON"),
        ({"kind": "counts"}, "Choose a format"),
        ({"kind": "counts", "format": "csv", "county": "3" * 500}, "at most 20 characters"),
    ],
)
def test_bad_requests_get_a_clear_message(posted, message, calexit, organizer):
    PetitionSection.objects.create(petition=calexit, number="34-0001", county_id="34")
    client = Client()
    login_verified(client, organizer)

    response = client.post("/dashboard/exports/", posted)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_user_may_have_three_exports_under_way_at_once(calexit, volunteer):
    for _ in range(exports.MAX_ACTIVE_PER_USER):
        request(volunteer, calexit, "counts", "csv")
    with pytest.raises(ExportRefused, match="You have 3 exports queued or running"):
        request(volunteer, calexit, "counts", "csv")


def test_a_download_before_the_file_is_written_says_it_is_not_ready(calexit, volunteer):
    client = Client()
    login_verified(client, volunteer)
    job = request(volunteer, calexit, "counts", "csv")
    response = client.get(f"/dashboard/exports/{job.pk}/download/")
    assert response.status_code == 409 and "not ready yet" in response.content.decode()


# --- The embedded mode (make run without Redis) ---------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_embedded_the_export_runs_on_a_thread_so_the_page_answers_at_once(calexit, volunteer, settings, monkeypatch):
    settings.EXPORT_ON_A_THREAD = True  # tasks run in-process here already (tests/conftest.py), as embedded
    started = threading.Event()
    release = threading.Event()
    write = exports._write

    def held(job, export, partial):  # the thread waits until the request has answered
        started.set()
        assert release.wait(30)
        return write(job, export, partial)

    monkeypatch.setattr(exports, "_write", held)
    client = Client()
    login_verified(client, volunteer)

    response = client.post("/dashboard/exports/", {"kind": "counts", "format": "csv"})

    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert started.wait(30)
    assert ExportJob.objects.get(pk=job.pk).status == "running"
    release.set()
    wait_for(lambda: ExportJob.objects.get(pk=job.pk).status == "done", what="the export thread")
