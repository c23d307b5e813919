#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # manage.py is the developer's tool: DEBUG on unless the environment says otherwise.
    # Production sets DEBUG=0 (as the README's environment table says); gunicorn (wsgi.py)
    # and Celery keep the settings' own default, off.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
