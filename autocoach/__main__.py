"""AutoCoach's command line: `python -m autocoach COMMAND ...`.

Each command is a thin shell over the same domain and service code the web app
uses. Errors meant for people are one French line on stderr with exit code 2;
no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date

from autocoach.domain.wording import count

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


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"Impossible de lire le fichier « {path} » : {exc.strerror}.") from exc


def _cmd_parse(args: argparse.Namespace) -> int:
    from autocoach.domain.documents.classify import parse_document
    from autocoach.services.text import UnreadableDocument, extract_text, sniff_mime

    data = _read_file(args.file)
    try:
        extracted = extract_text(data, sniff_mime(data))
    except UnreadableDocument as exc:
        raise CommandError(str(exc)) from exc
    parsed = parse_document(extracted.text, args.type, layout=extracted.layout)
    if parsed.document_type is None:
        raise CommandError(
            "Document non reconnu : précisez son type avec --type carte_grise|histovec|facture."
        )
    output = parsed.to_json_dict()
    output["warnings"] = list(dict.fromkeys([*extracted.warnings, *output["warnings"]]))
    print(json.dumps(output, ensure_ascii=False, indent=2))
    return EXIT_OK


def _vehicle_json(path: str) -> dict:
    try:
        payload = json.loads(_read_file(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"Le fichier « {path} » n'est pas un JSON valide.") from exc
    if not isinstance(payload, dict):
        raise CommandError("Le JSON doit décrire un véhicule (un objet { ... }).")
    return payload


def _as_of(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else date.today()
    except ValueError as exc:
        raise CommandError("--as-of attend une date au format AAAA-MM-JJ.") from exc


def _cmd_analyze(args: argparse.Namespace) -> int:
    from autocoach.domain.analysis import analyze
    from autocoach.domain.facts import InvalidVehicleData, vehicle_facts_from_dict

    payload = _vehicle_json(args.file)
    as_of = _as_of(args.as_of)
    try:
        facts = vehicle_facts_from_dict(payload, today=as_of)
    except InvalidVehicleData as exc:
        raise CommandError(str(exc)) from exc
    from autocoach.data import load_reference
    from autocoach.settings import SettingsError, get_settings

    try:
        reference = load_reference(get_settings().price_overrides or None)
    except SettingsError as exc:
        raise CommandError(str(exc)) from exc
    print(json.dumps(analyze(facts, as_of, reference).to_json_dict(), ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_ingest(args: argparse.Namespace) -> int:
    import os
    import tempfile
    from pathlib import Path

    payload = _vehicle_json(args.vehicle)
    as_of = _as_of(args.as_of)
    files = [Path(name) for name in args.files]
    for path in files:
        if not path.is_file():
            raise CommandError(f"Impossible de lire le fichier « {path} ».")
    with tempfile.TemporaryDirectory(prefix="autocoach-ingest-") as workdir:
        # A throw-away database and file store: the app's own code path, nothing kept.
        os.environ["DATA_DIR"] = workdir
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/ingest.db"
        os.environ.pop("STORAGE_KEY", None)
        from autocoach.domain.facts import InvalidVehicleData
        from autocoach.services.ingest import ingest
        from autocoach.services.storage import RejectedUpload
        from autocoach.settings import get_settings

        get_settings.cache_clear()
        try:
            output = ingest(payload, files, as_of)
        except (InvalidVehicleData, RejectedUpload) as exc:
            raise CommandError(str(exc)) from exc
    print(json.dumps(output, ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from autocoach.domain.facts import InvalidVehicleData
    from autocoach.services.report import ReportFontMissing, report_from_vehicle_json

    payload = _vehicle_json(args.file)
    as_of = _as_of(args.as_of)
    try:
        pdf = report_from_vehicle_json(payload, as_of)
    except (InvalidVehicleData, ReportFontMissing) as exc:
        raise CommandError(str(exc)) from exc
    try:
        with open(args.output, "wb") as handle:
            handle.write(pdf)
    except OSError as exc:
        raise CommandError(f"Impossible d'écrire « {args.output} » : {exc.strerror}.") from exc
    print(f"Rapport écrit dans {args.output} ({len(pdf) // 1024} Ko).")
    return EXIT_OK


def _cmd_remind(args: argparse.Namespace) -> int:
    from autocoach.services.reminders import send_reminders

    report = send_reminders(_as_of(args.as_of))
    print(
        f"{count(report.emails_sent, 'e-mail envoyé')}, {count(report.alerts_sent, 'échéance rappelée')}"
        + (f", {count(report.failures, 'envoi en échec')}." if report.failures else ".")
    )
    return EXIT_OK if not report.failures else EXIT_USAGE


def _cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from autocoach.services.backup import BackupError, create_backup

    try:
        key_file = Path(args.key_file) if args.key_file else None
        archive = create_backup(Path(args.dest), key_file=key_file, include_key=args.include_key)
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Sauvegarde écrite : {archive}")
    if args.include_key:
        print("Attention : la clé des documents est dans l'archive, qui suffit donc à tout lire.")
    elif key_file is not None:
        print(f"Clé des documents écrite : {key_file} (gardez-la ailleurs que l'archive).")
    else:
        print("La clé des documents n'est pas dans l'archive : gardez-en une copie ailleurs "
              "(--key-file), la restauration en aura besoin.")
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from autocoach.services.backup import BackupError, restore_backup

    try:
        key_file = Path(args.key_file) if args.key_file else None
        report = restore_backup(Path(args.src), force=args.force, key_file=key_file)
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(
        f"Restauration terminée : {count(report.users, 'compte')}, {count(report.vehicles, 'véhicule')}, "
        f"{count(report.documents, 'document')}."
    )
    return EXIT_OK


def _cmd_prices_update(args: argparse.Namespace) -> int:
    from pathlib import Path

    from autocoach.services.fuel_prices import FEED_URL, FeedError, default_snapshot_path, update_snapshot

    path = Path(args.output) if args.output else default_snapshot_path()
    try:
        snapshot = update_snapshot(args.url or FEED_URL, path, timeout=args.timeout)
    except FeedError as exc:
        raise CommandError(f"{exc} Les prix enregistrés restent utilisés.") from exc
    except OSError as exc:
        raise CommandError(f"Impossible d'écrire « {path} » : {exc.strerror}. Les prix enregistrés restent utilisés.") from exc
    figures = ", ".join(f"{fuel} {price:.3f} €/l".replace(".", ",") for fuel, price in sorted(snapshot.prices.items()))
    print(f"Prix des carburants du {snapshot.day:%d/%m/%Y} ({snapshot.stations} stations) : {figures}.")
    return EXIT_OK


def _cmd_migrate(_args: argparse.Namespace) -> int:
    from autocoach.services.migrations import upgrade_to_head

    try:
        upgrade_to_head()
    except Exception as exc:  # noqa: BLE001 - reported to the operator, not hidden
        raise CommandError(f"La migration de la base a échoué : {exc}") from exc
    return EXIT_OK


def _cmd_worker(args: argparse.Namespace) -> int:
    from autocoach.observability import configure_logging
    from autocoach.services import jobs

    configure_logging()
    if args.embedded_for is not None:
        jobs.run_embedded_worker(args.embedded_for)
    else:
        jobs.run_worker(args.concurrency)
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

    parse = add("parse", _cmd_parse, "Lit un document (PDF ou photo) et affiche ses champs en JSON.")
    parse.add_argument("file", help="le fichier : rapport Histovec, carte grise ou facture")
    parse.add_argument("--type", choices=["carte_grise", "histovec", "facture"], help="type du document")

    analyze = add("analyze", _cmd_analyze, "Analyse un véhicule décrit en JSON et affiche le résultat.")
    analyze.add_argument("file", help="le fichier JSON du véhicule")
    analyze.add_argument("--as-of", help="date de l'analyse, AAAA-MM-JJ (par défaut aujourd'hui)")

    ingest = add(
        "ingest",
        _cmd_ingest,
        "Lit des documents, les vérifie contre le véhicule décrit en JSON, applique ce qui le "
        "concerne et affiche le résultat (valeurs avec leur source, analyse).",
    )
    ingest.add_argument("vehicle", help="le fichier JSON du véhicule")
    ingest.add_argument("files", nargs="+", help="les documents : PDF ou photos")
    ingest.add_argument("--as-of", help="date du jour, AAAA-MM-JJ (par défaut aujourd'hui)")

    report = add("report", _cmd_report, "Écrit le rapport PDF d'un véhicule décrit en JSON.")
    report.add_argument("file", help="le fichier JSON du véhicule")
    report.add_argument("-o", "--output", required=True, help="le fichier PDF à écrire")
    report.add_argument("--as-of", help="date du rapport, AAAA-MM-JJ (par défaut aujourd'hui)")

    remind = add(
        "remind",
        _cmd_remind,
        "Envoie les rappels d'échéances à 30 jours (à lancer chaque jour, cron ou timer systemd).",
    )
    remind.add_argument("--as-of", help="date du jour, AAAA-MM-JJ (par défaut aujourd'hui)")

    backup = add(
        "backup",
        _cmd_backup,
        "Sauvegarde la base et les documents (chiffrés) dans une archive ; la clé reste à part.",
    )
    backup.add_argument("dest", help="dossier (ou fichier .tar.gz) où écrire la sauvegarde")
    backup.add_argument(
        "--key-file", help="écrit aussi une copie de la clé des documents dans ce fichier (à garder ailleurs)"
    )
    backup.add_argument(
        "--include-key", action="store_true",
        help="met la clé dans l'archive (l'archive seule suffit alors à tout lire : déconseillé)",
    )

    restore = add(
        "restore",
        _cmd_restore,
        "Restaure une sauvegarde dans la base et le dossier de données configurés (application arrêtée).",
    )
    restore.add_argument("src", help="l'archive de sauvegarde")
    restore.add_argument("--key-file", help="le fichier de clé écrit avec la sauvegarde (sauf STORAGE_KEY)")
    restore.add_argument("--force", action="store_true", help="restaurer même si la base contient déjà des comptes")

    add("migrate", _cmd_migrate, "Applique les migrations de la base de données.")

    prices = commands.add_parser("prices", help="Prix de référence (carburants).", description="Prix de référence (carburants).")
    prices_commands = prices.add_subparsers(dest="prices_command", metavar="ACTION", required=True)
    update = prices_commands.add_parser(
        "update",
        help="Met à jour l'instantané des prix des carburants depuis le flux officiel (prix-carburants).",
        description="Met à jour l'instantané des prix des carburants depuis le flux officiel (prix-carburants).",
    )
    update.set_defaults(handler=_cmd_prices_update)
    update.add_argument("--url", help="adresse du flux (par défaut : data.economie.gouv.fr)")
    update.add_argument("--output", help="fichier d'instantané à écrire (par défaut : celui du paquet)")
    update.add_argument("--timeout", type=float, default=60.0, help="délai maximal en secondes")
    worker = add(
        "worker",
        _cmd_worker,
        "Lit les documents en file d'attente (sur cette machine ou une autre qui partage la base, "
        "la file et les fichiers).",
    )
    worker.add_argument(
        "--concurrency", type=int, help="lectures simultanées (par défaut JOB_CONCURRENCY)"
    )
    # The app starts its embedded worker with its own pid, so that it exits with it.
    worker.add_argument("--embedded-for", type=int, help=argparse.SUPPRESS)
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
