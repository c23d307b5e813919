from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import loader


class Command(BaseCommand):
    help = "Load the casebook's 2022 sessions and upcoming demo events (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo data holds known passwords: run it with DEBUG on (make run), or --force."
            )
        loader.load(self.stdout)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {settings.TSUNAGU_DEMO_PASSWORD}):")
        for email, name, _kana, _org, role in loader.DEMO_LOGINS:
            self.stdout.write(f"  {email:34} {role:12} {name}")
