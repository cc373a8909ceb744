"""Reference exchange rates (``taux_change.toml``) and the conversion of foreign incomes to euros.

The table is data, versioned with the code: each rate names its source and its date, and a
malformed table fails at load like a broken spec. A currency or a year with no rate gives no
conversion: the caller reports the field missing with a reason, never an estimate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from docproc.strict_toml import Table, read_file

RATES_FILE = Path(__file__).resolve().with_name("taux_change.toml")
EURO = "EUR"
_TOP = {"version", "taux"}
_ENTRY = {"devise", "date", "taux", "source"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class RatesError(ValueError):
    pass


@dataclass(frozen=True)
class Rate:
    currency: str
    day: date
    rate: float  # units of ``currency`` for 1 EUR (ECB convention)
    source: str


@dataclass(frozen=True)
class RateTable:
    version: str
    rates: tuple[Rate, ...]

    def for_year(self, currency: str, year: int) -> Rate | None:
        """The latest rate of ``currency`` dated in ``year``, or None."""
        found = [r for r in self.rates if r.currency == currency and r.day.year == year]
        return max(found, key=lambda r: r.day) if found else None


def _error(where: str, problem: str) -> RatesError:
    return RatesError(f"{where}: {problem}")


def _entry(t: Table) -> Rate:
    t.only(_ENTRY, _ENTRY)
    currency, day, rate, source = t.get("devise"), t.get("date"), t.get("taux"), t.get("source")
    if not isinstance(currency, str) or not _CURRENCY.match(currency) or currency == EURO:
        raise t.error(f"devise ISO 4217 autre que EUR attendue, pas {currency!r}")
    if not isinstance(day, date) or isinstance(day, datetime):
        raise t.error("date TOML (AAAA-MM-JJ) attendue")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
        raise t.error("taux strictement positif attendu")
    if not isinstance(source, str) or not source.strip():
        raise t.error("source manquante")
    return Rate(currency, day, float(rate), source.strip())


def load_rates(path: Path = RATES_FILE) -> RateTable:
    """The rate table, read by the project's strict TOML reader (file and key in every error)."""

    def error(key: str, problem: str) -> RatesError:
        return _error(f"{path.name}.{key}" if key else path.name, problem)

    top = Table(read_file(path, error), error).only(_TOP, {"version"})
    version = top.text("version")
    rates = tuple(_entry(t) for t in top.tables("taux", allow_empty=True)) if "taux" in top else ()
    seen: set[tuple[str, date]] = set()
    for r in rates:
        if (r.currency, r.day) in seen:
            raise top.error(f"taux en double pour {r.currency} au {r.day.isoformat()}")
        seen.add((r.currency, r.day))
    return RateTable(version, rates)


@cache
def table() -> RateTable:
    return load_rates()


@dataclass(frozen=True)
class Conversion:
    euros: int | None
    rate: float | None = None
    rate_date: str | None = None
    rate_source: str | None = None
    reason: str | None = None  # French, when ``euros`` is None


def to_euros(
    amount: int, currency: str, year: int | None, rates: RateTable | None = None
) -> Conversion:
    """``amount`` of ``currency`` earned in ``year``, in whole euros (rounded half up)."""
    if currency == EURO:
        return Conversion(amount, 1.0, None, "montant déjà en euros")
    if year is None:
        return Conversion(
            None, reason="année des revenus inconnue : aucun taux de change ne peut être choisi"
        )
    rates = rates or table()
    rate = rates.for_year(currency, year)
    if rate is None:
        return Conversion(
            None, reason=f"aucun taux de change de référence pour {currency} en {year}"
        )
    euros = (Decimal(amount) / Decimal(str(rate.rate))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Conversion(int(euros), rate.rate, rate.day.isoformat(), rate.source)
