"""AutoCoach's command line: `python -m autocoach COMMAND ...`.

Each command is a thin shell over the same domain and service code the web app
uses. Errors meant for people are one French line on stderr with exit code 2;
no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

EXIT_OK = 0
EXIT_USAGE = 2


class CommandError(Exception):
    """A failure to report as one French line (exit code 2)."""


def _cmd_plate(args: argparse.Namespace) -> int:
    from autocoach.domain.plates import InvalidPlate, parse_plate

    try:
        plate = parse_plate(args.text)
    except InvalidPlate as exc:
        raise CommandError(str(exc)) from exc
    print(plate.display)
    return EXIT_OK


def _cmd_migrate(_args: argparse.Namespace) -> int:
    from autocoach.services.migrations import upgrade_to_head

    try:
        upgrade_to_head()
    except Exception as exc:  # noqa: BLE001 - reported to the operator, not hidden
        raise CommandError(f"La migration de la base a échoué : {exc}") from exc
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autocoach",
        description="AutoCoach en ligne de commande : les mêmes calculs que l'application.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    plate = add("plate", _cmd_plate, "Vérifie et normalise une plaque (SIV ou FNI).")
    plate.add_argument("text", help="la plaque telle que saisie, ex. « ab123cd »")

    add("migrate", _cmd_migrate, "Applique les migrations de la base de données.")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
