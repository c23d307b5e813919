from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from events import demo

# Other apps add their demo data through a `demo.load(stdout)` function of their own.
DEMO_MODULES = ["surveys.demo", "reports.demo"]


class Command(BaseCommand):
    help = "Load the casebook's 2022 sessions and upcoming demo events (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo data holds known passwords: run it with DEBUG on (make run), or --force."
            )
        demo.load(self.stdout)
        for name in DEMO_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError:
                continue
            module.load(self.stdout)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {settings.TSUNAGU_DEMO_PASSWORD}):")
        for email, name, _kana, _org, role in demo.DEMO_LOGINS:
            self.stdout.write(f"  {email:34} {role:12} {name}")
