from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from consulta import outbox
from consulta.calls import views as call_views
from consulta.publication import api as public_api
from consulta.publication.sitemaps import SITEMAPS

admin.site.site_header = "Consulta"
admin.site.site_title = "Consulta administration"
admin.site.index_title = "Calls for inputs"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", public_api.urls),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap-index"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]
urlpatterns += i18n_patterns(
    path("", call_views.home, name="home"),
    path("calls/<slug:slug>/", call_views.call_detail, name="call-detail"),
    path("", include("consulta.submissions.urls")),
    path("", include("consulta.publication.urls")),
    path("", include("consulta.analysis.urls")),
    path("", include("consulta.reporting.urls")),
    path("dev/outbox/", outbox.outbox, name="dev-outbox"),
)
