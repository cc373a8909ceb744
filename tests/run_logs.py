"""The whole test run's logs in one file, and the sample values they must never contain (issue 14).

``Tee`` copies every log record of the test process (message, extra fields, traceback) into
``<basetemp>/run-logs.txt``; at the end of the run, ``gather`` appends the stderr files of every
service subprocess the tests started (API, workers, ``docproc up``/``serve``, bench), found under
the run's temporary directory. ``find_leaks`` then looks for every personal value of every
sample (``samples/*.expected.json``, written by the ``docproc.samples`` catalogue): names,
numéros fiscaux, références d'avis, allocataire numbers, addresses and amounts (≥ 1 000 €, in
the forms a document or a JSON dump would show them). A hit is reported with the sample, the
field, the file and line, and the value masked.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Attributes every LogRecord has: anything else was passed with ``extra=`` (or a filter).
_STANDARD = set(vars(logging.LogRecord("n", logging.INFO, "p", 1, "m", None, None))) | {
    "message",
    "asctime",
}
#: Not service processes (they never see a document), and full of pids and ports.
NOT_SERVICE_LOGS = {"redis.log", "postgres.log"}
SECTION = "=== "


class Tee(logging.Handler):
    """Appends every record it is given to one file, unformatted: nothing is left out."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.INFO)
        self.path = path
        self._lock_file = threading.Lock()
        self._fh = path.open("a", encoding="utf-8")
        self._fh.write(f"{SECTION}test process (log records)\n")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
            line = f"{record.name} {record.levelname} {record.getMessage()}"
            if extra:
                line += " " + repr(extra)
            if record.exc_info:
                line += "\n" + logging.Formatter().formatException(record.exc_info)
            with self._lock_file:
                self._fh.write(line.replace("\r", " ") + "\n")
                self._fh.flush()
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        # logging.config.dictConfig (uvicorn's start-up) closes every handler: stay open.
        with self._lock_file:
            self._fh.flush()

    def finish(self) -> None:
        with self._lock_file:
            self._fh.close()
        super().close()


def gather(run_log: Path, base: Path) -> str:
    """Append every service subprocess's log under ``base`` to ``run_log``; the whole text."""
    with run_log.open("a", encoding="utf-8") as out:
        for path in sorted(base.rglob("*.log")):
            if path.name in NOT_SERVICE_LOGS or not path.is_file():
                continue
            out.write(f"{SECTION}{path.relative_to(base)}\n")
            out.write(path.read_text(encoding="utf-8", errors="replace"))
            out.write("\n")
    return run_log.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class Secret:
    sample: str
    field: str
    value: str
    kind: str  # "text" (case as printed, or Title case), "number" (any case, spaces ignored), "amount"

    def masked(self) -> str:
        return f"{self.value[:2]}…({len(self.value)} car.)"

    def forms(self) -> list[str]:
        """The literal forms looked for (in the normalised text: see ``_normalise``)."""
        if self.kind == "text":
            return sorted({self.value, self.value.title()})
        return [self.value.replace(" ", "").lower()]


#: Fields of the expected files that hold a person's data, by how they are matched.
TEXT_FIELDS = {"nom", "prenoms", "identite", "beneficiaire", "proprietaires", "adresse", "commune"}
NUMBER_FIELDS = {"numero_fiscal", "reference_avis", "numero_allocataire"}
AMOUNT_FIELDS = {
    "montant",
    "montant_impot",
    "montant_total",
    "impot_revenu_net",
    "revenu_fiscal_reference",
    "revenu_brut_global",
    "revenu_imposable",
    "revenu_annuel",
    "revenu_annuel_eur",
    "revenu_cadastral",
    "valeur_locative_brute",
}
#: Amounts below this are too common (counts, small durations) to mean anything in a log.
MIN_AMOUNT = 1000
#: Not a person: the DGFiP specimen's printed name.
NOT_PERSONAL = {"SPECIMEN", "ZASPECIMEN"}


def _walk(value: Any, key: str | None = None) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    elif key is not None:
        yield key, value


def sample_secrets(samples: Path) -> list[Secret]:
    """Every personal value of every sample's expected file."""
    out: dict[tuple[str, str], Secret] = {}
    for path in sorted(samples.glob("*.expected.json")):
        sample = path.name.removesuffix(".expected.json")
        for key, value in _walk(json.loads(path.read_text(encoding="utf-8")).get("documents", [])):
            if (
                key in TEXT_FIELDS
                and isinstance(value, str)
                and len(value) >= 3
                and value not in NOT_PERSONAL
            ):
                out.setdefault(
                    ("text", value), Secret(sample, key, " ".join(value.split()), "text")
                )
            elif key in NUMBER_FIELDS and isinstance(value, str) and len(value) >= 6:
                out.setdefault(("number", value), Secret(sample, key, value, "number"))
            elif (
                key in AMOUNT_FIELDS
                and isinstance(value, int)
                and not isinstance(value, bool)
                and abs(value) >= MIN_AMOUNT
            ):
                out.setdefault(
                    ("amount", str(abs(value))), Secret(sample, key, str(abs(value)), "amount")
                )
    return list(out.values())


#: Numbers that are a process id or a port, never an amount.
_NOISE = re.compile(r"(?i)\bpid\W{0,3}\d+|process \[\d+\]|(?<=[\w.]):\d{2,5}\b")


@dataclass(frozen=True)
class Leak:
    secret: Secret
    source: str
    line: int
    context: str

    def describe(self) -> str:
        s = self.secret
        return (
            f"{s.field} {s.masked()} de l'échantillon {s.sample} trouvé dans {self.source}, "
            f"ligne {self.line} : {self.context}"
        )


def _normalise(text: str) -> tuple[str, str]:
    """(for names: blanks collapsed; for numbers: lower case, "54 439" read as "54439").

    Both keep every newline, so a position gives back its line. Pids and ports are blanked."""
    text = _NOISE.sub(" ", text)
    names = re.sub(r"[ \t\u00a0\u202f]+", " ", text)
    numbers = re.sub(r"(?<=[0-9])[ \u00a0\u202f](?=[0-9])", "", text.lower())
    return names, numbers


def _word_edge(ch: str) -> bool:
    return not (ch.isalnum() or ch == "_")


def _amount_before(text: str, i: int) -> bool:
    """Start of an amount: a separator, or a JSON key's colon; not a decimal, an id, a time."""
    if i == 0:
        return True
    ch = text[i - 1]
    return ch in " \t\n\"'=([{," or (ch == ":" and i >= 2 and text[i - 2] == '"')


def _amount_after(text: str, j: int) -> bool:
    return j >= len(text) or text[j] in " \t\n\"',)]};€"


def _found(secret: Secret, names: str, numbers: str) -> int | None:
    """Position of the secret in the matching normalised text, or None."""
    text = names if secret.kind == "text" else numbers
    for form in secret.forms():
        i = text.find(form)
        while i >= 0:
            j = i + len(form)
            if secret.kind == "amount":
                ok = _amount_before(text, i) and _amount_after(text, j)
            else:
                ok = (i == 0 or _word_edge(text[i - 1])) and (j >= len(text) or _word_edge(text[j]))
            if ok:
                return text.count("\n", 0, i)
            i = text.find(form, i + 1)
    return None


def _mask(line: str, secrets: list[Secret]) -> str:
    for secret in secrets:
        for form in {secret.value, secret.value.title()}:
            if len(form) >= 3:
                body = (
                    r"[ \u00a0\u202f]?".join(re.escape(ch) for ch in form)
                    if secret.kind != "text"
                    else re.escape(form).replace(r"\ ", r"\s+")
                )
                pattern = r"(?<!\w)" + body + r"(?!\w)"
                line = re.sub(pattern, "«***»", line, flags=re.I)
    return line


def find_leaks(text: str, secrets: Iterable[Secret], limit: int = 20) -> list[Leak]:
    """Where the values appear; no value is shown in full (every one is masked in the context)."""
    lines = text.splitlines()
    sections = [
        (i, line[len(SECTION) :]) for i, line in enumerate(lines) if line.startswith(SECTION)
    ]
    names, numbers = _normalise("\n".join(lines))
    secrets = list(secrets)
    leaks: list[Leak] = []
    for secret in secrets:
        i = _found(secret, names, numbers)
        if i is None:
            continue
        start, source = next((s for s in reversed(sections) if s[0] <= i), (-1, "run-logs.txt"))
        leaks.append(Leak(secret, source, i - start, _mask(lines[i], secrets)[:200]))
        if len(leaks) >= limit:
            break
    return leaks
