"""Production settings plus pages that fail on purpose (tests/config/raising_urls.py).

Only the production smoke test loads this module: it needs a page that raises to check the
500 page, and the site itself has no such page. Everything else is config.settings as the
environment makes it.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.config.raising_urls"
