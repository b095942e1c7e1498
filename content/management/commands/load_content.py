from django.core.management.base import BaseCommand, CommandError

from content.loader import load_all
from content.source_files import SourceError


class Command(BaseCommand):
    help = "Load the public pages, curricula and quiz banks from content/source (idempotent)."

    def handle(self, *args, **options) -> None:
        try:
            report = load_all()
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Content: {len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged."
        )
        if options["verbosity"] > 1:
            for label in report.created + report.updated:
                self.stdout.write(f"  {label}")
