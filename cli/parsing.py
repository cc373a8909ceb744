"""The ``docproc`` command's argument parsing in French: exit statuses, usage errors, argparse's
messages translated, value types, ``--version`` read only when asked."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

#: Exit statuses (contract §2 and §6). QA keeps 1 for "a required value is wrong" (contract §2).
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_QA = 0, 1, 2, 3


class UsageError(Exception):
    pass


#: argparse's English messages, in French (patterns on the formatted English text).
_ARGPARSE_FR: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (r"unrecognized arguments: (.*)", r"arguments inconnus : \1"),
    (
        r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
        r"argument \1 : choix invalide \2 (possibles : \3)",
    ),
    (
        r"argument (\S+): invalid (\S+) value: (.*)",
        r"argument \1 : valeur invalide \3 (attendu : \2)",
    ),
    (r"argument (\S+): expected one argument", r"argument \1 : une valeur est attendue"),
    (
        r"argument (\S+): expected at least one argument",
        r"argument \1 : au moins une valeur est attendue",
    ),
    (r"argument (\S+): not allowed with argument (.*)", r"argument \1 : incompatible avec \2"),
    (r"ambiguous option: (\S+) could match (.*)", r"option ambiguë : \1 peut désigner \2"),
    (r"argument (\S+): (.*)", r"argument \1 : \2"),
)


def _french(message: str) -> str:
    for pattern, repl in _ARGPARSE_FR:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, repl, message, flags=re.S)
    return message


class _FrenchFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None
    ) -> None:
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class FrenchParser(argparse.ArgumentParser):
    """argparse in French: usage line, section titles, -h, and usage errors (exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _FrenchFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help="afficher cette aide et quitter",
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur d'usage : {_french(message)}\n")


def iso_date(value: str) -> date:
    """``--date``: AAAA-MM-JJ, a usage error in French otherwise."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide « {value} » : attendu AAAA-MM-JJ"
        ) from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("docproc")
    except PackageNotFoundError:
        return "inconnue"


class VersionAction(argparse.Action):
    """``--version``, read from the package metadata only when asked (importlib.metadata costs
    more start-up time than the whole argument parsing)."""

    def __init__(
        self,
        option_strings: list[str],
        dest: str = argparse.SUPPRESS,
        default: str = argparse.SUPPRESS,
        help: str | None = None,
    ) -> None:  # noqa: A002
        super().__init__(
            option_strings=option_strings, dest=dest, default=default, nargs=0, help=help
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> NoReturn:
        print(f"docproc {_version()}")
        parser.exit()


def needs_extra(*modules: str) -> None:
    """Usage error (exit 2) when a development tool's libraries are not installed: the sample
    generator, the benchmarks and the demo need the ``dev`` extra, the service does not."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(
            f"cette commande a besoin de {', '.join(missing)} : installez l'extra de développement "
            "(pip install -e '.[dev]', ce que fait make setup)."
        )


def input_file(name: str) -> Path:
    """A file named on the command line, checked before any work (code 2 otherwise)."""
    path = Path(name)
    if path.is_dir():
        raise UsageError(f"« {name} » est un dossier : indiquez les fichiers eux-mêmes.")
    if not path.is_file():
        raise UsageError(f"Le fichier « {name} » n'existe pas.")
    return path
