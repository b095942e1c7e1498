"""Print the current two-factor code of the demo authenticator (the key seed_demo gives the demo accounts
that must use two-factor), for people trying the demo without an authenticator app."""

from django.core.management.base import BaseCommand

from accounts.demo import demo_code, demo_key_base32, seconds_left


class Command(BaseCommand):
    help = "Print the current code for the demo accounts' two-factor sign-in (demo key only)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{demo_code()}  (valid for {seconds_left()} more seconds; demo key {demo_key_base32()})")
