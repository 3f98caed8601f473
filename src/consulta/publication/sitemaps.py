"""The sitemap lists public pages only: published calls and published contributions."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from consulta.calls.models import Call
from consulta.publication.models import Contribution


class CallSitemap(Sitemap):
    changefreq = "weekly"
    i18n = True

    def items(self):
        return Call.objects.filter(published=True).order_by("slug")

    def location(self, item):
        return reverse("call-detail", args=[item.slug])

    def lastmod(self, item):
        return item.updated_at


class ContributionSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5000

    def items(self):
        return (
            Contribution.objects.filter(
                state=Contribution.State.PUBLISHED, published_version__isnull=False, call__published=True
            )
            .only("reference", "updated_at")
            .order_by("pk")
        )

    def location(self, item):
        return reverse("contribution-detail", args=[item.reference])

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"calls": CallSitemap, "contributions": ContributionSitemap}
