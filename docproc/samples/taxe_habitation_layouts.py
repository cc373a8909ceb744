"""Synthetic avis de taxe d'habitation (résidences secondaires), in three editions (classic, 2023,
2024).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from docproc.samples.identities import Person, group_numero_fiscal, group_reference
from docproc.samples.other_layouts import (
    Sheet,
    addressee,
    amount_below,
    banner,
    local_header,
    references,
    references_grid,
    total_box,
)
from docproc.samples.page_canvas import Page


@dataclass
class TaxeHabitation(Sheet):
    kind: ClassVar[str] = "taxe_habitation"
    annee: int
    redevable: Person
    adresse_postale: str  # of the addressee, "street | town"
    adresse_local: str  # of the résidence secondaire
    reference_avis: str
    departement: str
    valeur_locative_brute: int
    taux: float
    edition: str = "classic"  # see EDITIONS

    @property
    def base_nette(self) -> int:
        return self.valeur_locative_brute  # no abattement on a résidence secondaire

    @property
    def montant_total(self) -> int:
        cotisation = round(self.base_nette * self.taux)
        return cotisation + round(cotisation * 0.03)

    def draw(self, p: Page) -> None:
        if self.edition == "2024":
            self._draw_2024(p)
        else:
            self._draw_classic(p)

    def _draw_2024(self, p: Page) -> None:
        """Title on a banner, references label over value, the amount under its banner, the
        address as a block under its label, the detail as a table (values under headings)."""
        banner(p, 40, 28, 515, 24, f"TAXE D'HABITATION {self.annee}", 13)
        p.text(40, 66, "AVIS D'IMPÔTS LOCAUX", 9, bold=True)
        p.text(
            40,
            78,
            "Résidences secondaires et autres locaux meublés non affectés à l'habitation principale",
            7.5,
        )
        p.text(40, 90, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 8)
        p.text(360, 110, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
        p.text(360, 121, f"SIP DU {self.departement}", 8)
        addressee(p, self.redevable, self.adresse_postale, 146)
        top = references_grid(
            p,
            [
                ("Numéro fiscal", group_numero_fiscal(self.redevable.numero_fiscal)),
                ("Référence de l'avis", group_reference(self.reference_avis)),
                ("Date de mise en recouvrement", f"31/10/{self.annee}"),
                ("Date limite de paiement", f"15/12/{self.annee}"),
            ],
            206,
        )
        top = amount_below(p, 40, top + 6, 250, "Montant à payer", self.montant_total)
        p.text(40, top + 4, "Adresse du local", 9, bold=True)
        street, _, town = self.adresse_local.partition(" | ")
        p.text(40, top + 17, street, 9)
        p.text(40, top + 29, town, 9)
        top += 60
        banner(p, 40, top, 515, 16, "Détail du calcul", 9.5)
        top += 32
        cotisation = round(self.base_nette * self.taux)
        columns = (
            (40, "Valeur locative brute", p.amount(self.valeur_locative_brute)),
            (215, "Base nette d'imposition", p.amount(self.base_nette)),
            (370, "Taux communal", f"{100 * self.taux:.2f} %".replace(".", ",")),
            (470, "Cotisation", p.amount(cotisation)),
        )
        for x, label, value in columns:
            p.text(x, top, label, 8, bold=True)
            p.text(x, top + 14, value, 9)
        top += 40
        p.text(40, top, "Frais de gestion de la fiscalité directe locale", 8)
        p.right(547, top, p.amount(self.montant_total - cotisation), 8)
        p.text(
            40,
            770,
            "Déclaration d'occupation : vos locaux sont déclarés sur impots.gouv.fr, rubrique Gérer mes biens immobiliers.",
            6.5,
        )

    def _draw_classic(self, p: Page) -> None:
        local_header(
            p,
            f"Taxe d'habitation pour {self.annee}",
            "Résidences secondaires et autres locaux meublés non affectés à l'habitation principale",
            self.departement,
        )
        addressee(p, self.redevable, self.adresse_postale)
        top = references(
            p,
            [
                ("Numéro fiscal :", group_numero_fiscal(self.redevable.numero_fiscal)),
                ("Référence de l'avis :", group_reference(self.reference_avis)),
                ("Numéro de rôle :", "011"),
                ("Date d'établissement :", f"31/10/{self.annee}"),
                ("Date de mise en recouvrement :", f"31/10/{self.annee}"),
                ("Date limite de paiement :", f"15/12/{self.annee}"),
            ],
        )
        top = total_box(p, top + 12, self.montant_total)
        p.text(40, top, "Adresse du local :", 9, bold=True)
        p.text(140, top, self.adresse_local.replace(" | ", " "), 9)
        top += 24
        p.text(40, top, "Détail du calcul", 11, bold=True)
        p.rule(40, 555, top + 6)
        top += 22
        cotisation = round(self.base_nette * self.taux)
        rows = (
            ("Valeur locative brute", p.amount(self.valeur_locative_brute)),
            ("Valeur locative nette", p.amount(self.base_nette)),
            ("Base nette d'imposition", p.amount(self.base_nette)),
            ("Taux communal", f"{100 * self.taux:.2f} %".replace(".", ",")),
            ("Cotisation", p.amount(cotisation)),
            (
                "Frais de gestion de la fiscalité directe locale",
                p.amount(self.montant_total - cotisation),
            ),
        )
        for label, value in rows:
            p.text(52, top, label, 9)
            p.right(555, top, value, 9)
            top += 14
        p.text(
            40,
            770,
            "Déclaration d'occupation : vos locaux sont déclarés sur impots.gouv.fr, rubrique Gérer mes biens immobiliers.",
            6.5,
        )

    def expected_fields(self) -> dict[str, Any]:
        return {
            "annee_imposition": self.annee,
            "numero_fiscal": self.redevable.numero_fiscal,
            "reference_avis": self.reference_avis,
            "adresse": self.adresse_local.replace(" | ", " "),
            "valeur_locative_brute": self.valeur_locative_brute,
            "montant_total": self.montant_total,
        }
