from django.urls import path

from consulta.submissions import views

urlpatterns = [
    path("calls/<slug:slug>/respond/", views.respond, name="submission-respond"),
    path("calls/<slug:slug>/respond/autosave/", views.autosave, name="submission-autosave"),
    path("calls/<slug:slug>/respond/review/", views.review, name="submission-review"),
    path("calls/<slug:slug>/respond/link/", views.request_link, name="submission-request-link"),
    path("calls/<slug:slug>/respond/new/", views.new_contribution, name="submission-new"),
    path("submissions/<str:reference>/", views.view_submission, name="submission-view"),
    path(
        "submissions/<str:reference>/receipt/<int:number>/",
        views.receipt,
        name="submission-receipt",
    ),
    path(
        "submissions/<str:reference>/files/<int:attachment_id>/",
        views.attachment_download,
        name="submission-attachment",
    ),
    path("submissions/<str:reference>/withdraw/", views.withdraw, name="submission-withdraw"),
    path("resume/<str:token>/", views.resume, name="submission-resume"),
]
