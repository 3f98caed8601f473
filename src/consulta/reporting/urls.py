from django.urls import path

from consulta.reporting import views

urlpatterns = [
    path("calls/<slug:slug>/preliminary-results/", views.public_report, name="preliminary-results"),
    path(
        "calls/<slug:slug>/preliminary-results.<str:fmt>",
        views.public_report_download,
        name="preliminary-results-download",
    ),
    path("analysis/runs/<int:run_id>/report/", views.run_report, name="run-report"),
    path(
        "analysis/runs/<int:run_id>/report.<str:fmt>",
        views.run_report_download,
        name="run-report-download",
    ),
    path(
        "analysis/runs/<int:run_id>/report/publish/",
        views.run_report_publish,
        name="run-report-publish",
    ),
]
