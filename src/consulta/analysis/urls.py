from django.urls import path

from consulta.analysis import views

urlpatterns = [
    path("analysis/", views.index, name="analysis-index"),
    path("analysis/calls/<slug:slug>/start/", views.run_start, name="analysis-start"),
    path("analysis/runs/<int:run_id>/", views.run_detail, name="analysis-run"),
    path("analysis/runs/<int:run_id>/resume/", views.run_resume, name="analysis-resume"),
    path("analysis/runs/<int:run_id>/codes/<str:codebook>/<str:code>/", views.code_detail, name="analysis-code"),
    path("analysis/runs/<int:run_id>/assignments/<int:assignment_id>/remove/", views.code_remove, name="analysis-code-remove"),
    path("analysis/runs/<int:run_id>/responses/<int:version_id>/", views.response_detail, name="analysis-response"),
    path("analysis/runs/<int:run_id>/responses/<int:version_id>/codes/", views.response_add_code, name="analysis-code-add"),
    path("analysis/runs/<int:run_id>/responses/<int:version_id>/review/", views.response_review, name="analysis-review"),
    path("analysis/runs/<int:run_id>/themes/", views.themes, name="analysis-themes"),
    path("analysis/runs/<int:run_id>/themes/change/", views.theme_action, name="analysis-theme-action"),
    path("analysis/runs/<int:run_id>/retrain/", views.retrain, name="analysis-retrain"),
    path("analysis/runs/<int:run_id>/audit/", views.audit, name="analysis-audit"),
    path("analysis/compare/", views.compare, name="analysis-compare"),
    path("analysis/codebooks/", views.codebook_list, name="analysis-codebooks"),
    path("analysis/codebooks/new/", views.codebook_edit, name="analysis-codebook-new"),
    path("analysis/codebooks/<slug:slug>/", views.codebook_edit, name="analysis-codebook-edit"),
    path("analysis/codebooks/<slug:slug>/export.yaml", views.codebook_export, name="analysis-codebook-export"),
    path("analysis/codebooks/<slug:slug>/delete/", views.codebook_delete, name="analysis-codebook-delete"),
]
