from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """Completion rules, certificates, learning records and the yearly casebook.

    The top of the domain layers (above reports): it reads every app below it and
    writes only its own rows (and outbox rows through notifications).
    """

    name = "records"
    verbose_name = _("Learning records")
