from django.urls import path

from petitions.views import api, dashboard, health, public, review

app_name = "petitions"

urlpatterns = [
    path("", public.home, name="home"),
    path("p/<slug:slug>/", public.petition_detail, name="detail"),
    path("p/<slug:slug>/sign/", public.sign, name="sign"),
    path("p/<slug:slug>/sign/check-email/", public.check_email, name="check_email"),
    path("p/<slug:slug>/confirm/<str:token>/", public.confirm, name="confirm"),
    path("p/<slug:slug>/thanks/", public.thanks, name="thanks"),
    path("api/petitions/<slug:slug>.json", api.petition_json, name="api_petition"),
    path("healthz", health.healthz, name="healthz"),
    path("dashboard/", dashboard.index, name="dashboard"),
    path("dashboard/p/<slug:slug>/counts.csv", dashboard.counts_csv, name="dashboard_counts_csv"),
    path("dashboard/review/", review.queue, name="review"),
    path("dashboard/review/<int:pk>/decide/", review.decide, name="review_decide"),
]
