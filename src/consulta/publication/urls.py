from django.urls import path

from consulta.publication import opendata, views

urlpatterns = [
    path("calls/<slug:slug>/contributions/", views.contribution_list, name="contribution-list"),
    path("calls/<slug:slug>/open-data/contributions.<str:fmt>", opendata.open_data, name="open-data"),
    path("calls/<slug:slug>/open-data/dictionary/", opendata.data_dictionary, name="open-data-dictionary"),
    path("contributions/<str:reference>/", views.contribution_detail, name="contribution-detail"),
    path(
        "contributions/<str:reference>/files/<int:attachment_id>/",
        views.contribution_file,
        name="contribution-file",
    ),
]
