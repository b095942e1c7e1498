"""One counter per learner (and one shared by everyone), raised by database triggers (`triggers.py`) on every
write to a row that a learner page may show. A page kept in the cache names the counters it was rendered
under, so a write by any path (a service, a bulk update, the Wagtail admin, SQL) makes it unreachable."""

from django.db import models

SHARED = 0  # the row raised by writes to what every learner's pages show (pages, quizzes, agencies, ...)


class RecordVersion(models.Model):
    """`id` is a user's id, or SHARED. No foreign key: a trigger writes it, and it holds nothing personal."""

    id = models.BigIntegerField(primary_key=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "learner_cache_version"

    def __str__(self) -> str:
        return f"{self.id}: {self.n}"
