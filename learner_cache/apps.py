from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate

from .triggers import install_after_migrate, remove_before_migrate


class LearnerCacheConfig(AppConfig):
    name = "learner_cache"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Learner page cache"

    def ready(self) -> None:
        # The triggers are dropped before every migrate and installed again after it: SQLite drops a table's
        # triggers whenever a migration rebuilds that table (and refuses a rename while another table's trigger
        # names it), and a new tracked table exists only once its app has migrated.
        pre_migrate.connect(remove_before_migrate, sender=self, dispatch_uid="learner-cache-triggers-off")
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="learner-cache-triggers")
