from django.urls import path

from petitions.views import api, dashboard, health, intake, public, reports, review, sections, trending
from petitions.views import bulk as bulk_views
from petitions.views import exports as export_views

app_name = "petitions"

urlpatterns = [
    path("", public.home, name="home"),
    path("p/<slug:slug>/", public.petition_detail, name="detail"),
    path("p/<slug:slug>/sign/", public.sign, name="sign"),
    path("p/<slug:slug>/sign/check-email/", public.check_email, name="check_email"),
    path("p/<slug:slug>/confirm/<str:token>/", public.confirm, name="confirm"),
    path("p/<slug:slug>/thanks/", public.thanks, name="thanks"),
    path("p/<slug:slug>/form/<str:token>/", public.wet_ink_form, name="wet_ink_form"),
    path("p/<slug:slug>/form/<str:token>/text/", public.wet_ink_form_as_text, name="wet_ink_form_text"),
    path("p/<slug:slug>/widget/", public.widget, name="widget"),
    path("api/petitions/<slug:slug>.json", api.petition_json, name="api_petition"),
    path("language/", public.set_language, name="set_language"),
    path("zip-counties.json", public.zip_counties, name="zip_counties"),
    path("healthz", health.healthz, name="healthz"),
    path("dashboard/", dashboard.index, name="dashboard"),
    path("dashboard/p/<slug:slug>/counts.csv", dashboard.counts_csv, name="dashboard_counts_csv"),
    path("dashboard/review/", review.queue, name="review"),
    path("dashboard/review/<int:pk>/decide/", review.decide, name="review_decide"),
    path("dashboard/sections/", sections.section_list, name="sections"),
    path("dashboard/sections/issue/", sections.section_issue, name="sections_issue"),
    path("dashboard/sections/print.pdf", sections.sections_pdf, name="sections_pdf"),
    path("dashboard/sections/<int:pk>/", sections.section_detail, name="section"),
    path("dashboard/sections/<int:pk>/check/", sections.section_check, name="section_check"),
    path("dashboard/sections/<int:pk>/declaration/", sections.section_declaration, name="section_declaration"),
    path("dashboard/sections/<int:pk>/status/", sections.section_status, name="section_status"),
    path("dashboard/sections/<int:pk>/reconcile/", sections.section_reconcile, name="section_reconcile"),
    path("dashboard/intake/", intake.intake, name="intake"),
    path("dashboard/circulators/", reports.circulators, name="circulators"),
    path("dashboard/filing/", reports.filing, name="filing"),
    path("dashboard/trending/", trending.trending, name="trending"),
    path("dashboard/exports/", export_views.export_list, name="exports"),
    path("dashboard/exports/<int:pk>/status.json", export_views.export_status, name="export_status"),
    path("dashboard/exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("dashboard/bulk/", bulk_views.bulk_list, name="bulk"),
    path("dashboard/bulk/<int:pk>/", bulk_views.bulk_detail, name="bulk_detail"),
    path("dashboard/bulk/<int:pk>/status.json", bulk_views.bulk_status, name="bulk_status"),
    path("dashboard/bulk/<int:pk>/start/", bulk_views.bulk_start, name="bulk_start"),
    path("dashboard/bulk/<int:pk>/cancel/", bulk_views.bulk_cancel, name="bulk_cancel"),
    path("dashboard/bulk/<int:pk>/undo/", bulk_views.bulk_undo, name="bulk_undo"),
    path("dashboard/p/<slug:slug>/filing.csv", reports.filing_csv, name="filing_csv"),
    path("dashboard/p/<slug:slug>/filing/<str:code>.csv", reports.county_filing_csv, name="county_filing_csv"),
    path("dashboard/p/<slug:slug>/filing/<str:code>.pdf", reports.county_cover_sheet, name="county_cover_sheet"),
]
