from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "consulta.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from consulta.accounts.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="consulta.accounts.roles")
