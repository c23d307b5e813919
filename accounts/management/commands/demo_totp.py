import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo_mfa import DEMO_TOTP_SECRET, current_code


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo accounts (make run; DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo's two-factor code is for development only (DEBUG on).")
        left = 30 - int(time.time()) % 30
        self.stdout.write(
            f"{current_code()}  (valid for about {left} more seconds; secret {DEMO_TOTP_SECRET})"
        )
