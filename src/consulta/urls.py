from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from consulta import outbox
from consulta.calls import views as call_views

admin.site.site_header = "Consulta"
admin.site.site_title = "Consulta administration"
admin.site.index_title = "Calls for inputs"

urlpatterns = [
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", call_views.home, name="home"),
    path("calls/<slug:slug>/", call_views.call_detail, name="call-detail"),
    path("", include("consulta.submissions.urls")),
    path("", include("consulta.publication.urls")),
    path("dev/outbox/", outbox.outbox, name="dev-outbox"),
)
