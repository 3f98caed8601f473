"""The ``consulta`` console script: Django's management commands under the product's name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consulta.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Django's command runner hides settings errors behind a vague one; read them first, plainly.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"consulta: configuration error: {exc}\n")
        raise SystemExit(2) from None
    execute_from_command_line(["consulta", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
