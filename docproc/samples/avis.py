"""The content of a synthetic avis d'impôt / ASDIR: amounts computed consistently."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docproc.samples.identities import Person

# Barème of the impôt sur le revenu 2024 (revenus 2024), used only to make plausible numbers.
_TRANCHES = ((11_497, 0.0), (29_315, 0.11), (83_823, 0.30), (180_294, 0.41), (10**12, 0.45))

SITUATION_WORDS = {
    "M": "Marié(e)s",
    "O": "Pacsé(e)s",
    "D": "Divorcé(e)/séparé(e)",
    "C": "Célibataire",
    "V": "Veuf(ve)",
}

# Printed row label, contract category, whether the amount is per déclarant.
INCOME_ROWS: tuple[tuple[str, str, bool], ...] = (
    ("Salaires, traitements", "salaires", True),
    ("Allocations chômage", "chomage", True),
    ("Pensions, retraites, rentes", "pensions_retraites", True),
    ("Pensions alimentaires reçues", "pensions_alimentaires_recues", True),
    ("Bénéfices industriels et commerciaux", "bic", True),
    ("Bénéfices non commerciaux", "bnc", True),
    ("Bénéfices agricoles", "ba", True),
    ("Revenus micro-entreprise", "micro_entreprise", True),
    ("Revenus de capitaux mobiliers", "revenus_capitaux_mobiliers", False),
    ("Revenus fonciers nets", "revenus_fonciers", False),
    ("Plus-values", "plus_values", False),
    ("Autres revenus", "autres", False),
    ("Pensions alimentaires versées", "pensions_alimentaires_versees", False),
)


@dataclass
class AvisData:
    kind: str  # "avis_impot_revenu" | "asdir"
    annee_avis: int
    declarants: list[Person]
    situation: str
    personnes_a_charge: int
    adresse: str
    reference_avis: str
    revenus: list[tuple[str, int | None, int]]  # (categorie, declarant, montant)
    prelevement_source: int = 0
    pages: int = 4
    departement: str = "75"
    twoddoc: bool = True
    specimen: bool = False
    title_variant: str = "ir"  # "ir" | "ir_ps" (Impôt et prélèvements sociaux)
    extra: dict[str, Any] = field(default_factory=dict)
    #: Printed values edited after the 2D-Doc was signed (tampered samples only).
    tamper: dict[str, Any] = field(default_factory=dict)

    def printed(self, name: str) -> Any:
        return self.tamper.get(name, getattr(self, name))

    def printed_identite(self, i: int) -> str:
        names = self.tamper.get("identites", {})
        return str(names.get(i, self.declarants[i].identite))

    @property
    def annee_revenus(self) -> int:
        return self.annee_avis - 1

    @property
    def nombre_parts(self) -> float:
        base = 2.0 if self.situation in ("M", "O") else 1.0
        kids = self.personnes_a_charge
        extra = 0.5 * min(kids, 2) + 1.0 * max(kids - 2, 0)
        if self.situation in ("C", "D", "V") and kids:
            extra += 0.5  # parent isolé
        return base + extra

    def printed_revenus(self) -> list[tuple[str, int | None, int]]:
        """Incomes in the order the "Détail des revenus" table prints them."""
        rank = {cat: i for i, (_, cat, _) in enumerate(INCOME_ROWS)}
        return sorted(self.revenus, key=lambda r: (rank[r[0]], r[1] or 3))

    def total(self, categorie: str) -> int:
        return sum(m for c, _, m in self.revenus if c == categorie)

    @property
    def revenu_brut_global(self) -> int:
        salaires = self.total("salaires") + self.total("chomage")
        pensions = self.total("pensions_retraites") + self.total("pensions_alimentaires_recues")
        net = round(salaires * 0.9) + round(pensions * 0.9)
        for cat in (
            "bic",
            "bnc",
            "ba",
            "revenus_capitaux_mobiliers",
            "revenus_fonciers",
            "plus_values",
            "autres",
        ):
            net += self.total(cat)
        net += round(self.total("micro_entreprise") * 0.5)
        return net

    @property
    def revenu_imposable(self) -> int:
        return max(self.revenu_brut_global - self.total("pensions_alimentaires_versees"), 0)

    @property
    def revenu_fiscal_reference(self) -> int:
        return self.revenu_imposable

    @property
    def impot_revenu_net(self) -> int:
        q = self.revenu_imposable / self.nombre_parts
        tax, low = 0.0, 0
        for high, rate in _TRANCHES:
            if q > low:
                tax += (min(q, high) - low) * rate
            low = high
        total = tax * self.nombre_parts
        return int(total) if total >= 61 else 0

    @property
    def montant_impot(self) -> int:
        return self.impot_revenu_net - self.prelevement_source

    @property
    def non_imposable(self) -> bool:
        return self.impot_revenu_net == 0

    @property
    def date_etablissement(self) -> date:
        return date(self.annee_avis, 7, 9)

    @property
    def date_mise_en_recouvrement(self) -> date:
        return date(self.annee_avis, 7, 31)

    def expected_fields(self) -> dict[str, Any]:
        """The contract fields a perfect reader must return for this document."""
        fields: dict[str, Any] = {
            "annee_revenus": self.annee_revenus,
            "annee_avis": self.annee_avis,
            "declarants": [
                {
                    "nom": self.printed_identite(i).split(" ", 1)[0]
                    if i in self.tamper.get("identites", {})
                    else p.nom,
                    "prenoms": self.printed_identite(i).split(" ", 1)[1]
                    if i in self.tamper.get("identites", {})
                    else p.prenoms,
                    "identite": self.printed_identite(i),
                    "numero_fiscal": p.numero_fiscal,
                }
                for i, p in enumerate(self.declarants)
            ],
            "reference_avis": self.reference_avis,
            "revenu_fiscal_reference": self.printed("revenu_fiscal_reference"),
            "revenu_brut_global": self.revenu_brut_global,
            "revenu_imposable": self.revenu_imposable,
            "impot_revenu_net": self.impot_revenu_net,
            "montant_impot": self.montant_impot,
            "nombre_parts": self.nombre_parts,
            "situation_famille": self.situation,
            "personnes_a_charge": self.personnes_a_charge,
            "date_mise_en_recouvrement": self.date_mise_en_recouvrement.isoformat(),
            "adresse": self.adresse.replace(" | ", " "),
            "revenus": [
                {"categorie": c, "declarant": d, "montant": m} for c, d, m in self.printed_revenus()
            ],
        }
        if self.kind == "asdir":
            fields["valant_avis_impot"] = self.non_imposable
        return fields
