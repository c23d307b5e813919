"""`manage.py purge [--dry-run]`: remove the personal data whose retention period ended.

With --dry-run nothing is removed: each data class says how much would go and why."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from privacy import retention


class Command(BaseCommand):
    help = "Remove personal data whose retention period has ended (see the privacy page)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be removed, and why.")

    def handle(self, *args, dry_run: bool = False, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                found = retention.purge(dry_run=dry_run)
            except retention.PurgeRunning as error:
                raise CommandError(str(error)) from None
            heading = _("Would be removed (nothing was changed):") if dry_run else _("Removed:")
            self.stdout.write(heading)
            for item in found:
                self.stdout.write(f"- {item.title}: " + _("%(count)s items") % {"count": item.count})
                self.stdout.write(f"    {item.why}")
                for example in item.examples:
                    self.stdout.write(f"    · {example}")
                if item.upcoming:
                    self.stdout.write(f"    {item.upcoming}")
            if not any(item.count for item in found):
                self.stdout.write(_("Nothing is due."))
