from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  # why: connects the sign-in receiver once the apps are loaded
