from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    name = "consulta.publication"
    label = "publication"
    verbose_name = _("Publication")

    def ready(self) -> None:
        from consulta.publication import receivers  # noqa: F401 - connects to submission signals
