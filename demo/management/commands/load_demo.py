from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import demo_mfa
from accounts.models import User
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
        # Organizers and the reviewer must use two-factor sign-in (accounts/mfa.py).
        users = list(User.objects.filter(email__in=[login[0] for login in loader.DEMO_LOGINS]))
        demo_mfa.give_demo_authenticators(users)
        self.stdout.write("")
        self.stdout.write(
            "Two-factor sign-in: organizers and the reviewer enter a 6-digit code after the password."
        )
        self.stdout.write(f"  Add the demo secret {demo_mfa.DEMO_TOTP_SECRET} to any authenticator app,")
        self.stdout.write("  or print the current code with: .venv/bin/python manage.py demo_totp")
