from django.apps import AppConfig


class ConsultaConfig(AppConfig):
    """The project package itself, for project-wide commands such as ``consulta demo``."""

    name = "consulta"
    label = "consulta"
    verbose_name = "Consulta"
