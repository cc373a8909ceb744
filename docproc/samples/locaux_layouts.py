"""Synthetic avis de taxe foncière and de taxe d'habitation, in three editions (classic, 2023, 2024)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from docproc.samples.identities import Person, group_numero_fiscal, group_reference
from docproc.samples.layout import Page
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


@dataclass
class Bien:
    commune: str
    adresse: str
    nature: str  # "bati" | "non_bati"
    revenu_cadastral: int
    taux: float  # all collectivités together, for a plausible cotisation

    @property
    def cotisation(self) -> int:
        return round(self.revenu_cadastral * self.taux)


@dataclass
class TaxeFonciere(Sheet):
    kind: ClassVar[str] = "taxe_fonciere"
    annee: int
    proprietaires: list[Person]
    adresse: str  # of the addressee, "street | town"
    reference_avis: str
    departement: str
    biens: list[Bien]
    codes: list[str] = field(default_factory=list)  # PROP/INDIVIS, PROPRIETAIRE… one per owner
    edition: str = "classic"  # see EDITIONS

    @property
    def numero_fiscal(self) -> str:
        return self.proprietaires[0].numero_fiscal

    def _code(self, i: int) -> str:
        return self.codes[i] if i < len(self.codes) else "PROP/INDIVIS"

    @property
    def frais(self) -> int:
        return self.montant_total - sum(b.cotisation for b in self.biens)

    @property
    def montant_total(self) -> int:
        cotisations = sum(b.cotisation for b in self.biens)
        return cotisations + round(
            cotisations * 0.03
        )  # frais de gestion de la fiscalité directe locale

    def draw(self, p: Page) -> None:
        if self.edition == "2023":
            self._draw_2023(p)
        elif self.edition == "2024":
            self._draw_2024(p)
        else:
            self._draw_classic(p)

    def _draw_2023(self, p: Page) -> None:
        """Banner header, "Taxes foncières 2023", references without colons, amount on its
        banner, the properties as a table under each nature's banner."""
        p.text(40, 34, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 9, bold=True)
        banner(p, 40, 42, 515, 20, "AVIS D'IMPÔTS LOCAUX", 11)
        p.text(40, 88, f"Taxes foncières {self.annee}", 15, bold=True)
        p.text(360, 112, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
        p.text(360, 123, f"SIP DU {self.departement}", 8)
        addressee(p, self.proprietaires[0], self.adresse, 146)
        banner(p, 40, 200, 250, 16, "Vos références", 10)
        top = 230.0
        for label, value in (
            ("Numéro fiscal", group_numero_fiscal(self.numero_fiscal)),
            ("Référence de l'avis", group_reference(self.reference_avis)),
            ("Numéro de rôle", "007"),
            ("Date d'établissement", f"28/08/{self.annee}"),
            ("Date limite de paiement", f"16/10/{self.annee}"),
        ):
            p.text(40, top, label, 8)
            p.text(165, top, value, 8)
            top += 12
        top += 10
        p.text(40, top, "Débiteur(s) légal(aux)", 10, bold=True)
        top += 14
        for i, owner in enumerate(self.proprietaires):
            p.text(40, top, self._code(i), 8)
            p.text(130, top, f"{owner.civilite}. {owner.identite}", 8)
            top += 12
        top += 12
        banner(
            p,
            40,
            top,
            515,
            22,
            "Montant à payer",
            10,
            right_text=f"{p.amount(self.montant_total)} €",
        )
        top += 46
        for nature, heading in (
            ("bati", "Propriétés bâties"),
            ("non_bati", "Propriétés non bâties"),
        ):
            these = [b for b in self.biens if b.nature == nature]
            if not these:
                continue
            banner(p, 40, top, 515, 16, heading, 9.5)
            top += 30
            p.text(48, top, "Commune", 8, bold=True)
            p.text(165, top, "Adresse du bien", 8, bold=True)
            p.right(430, top, "Revenu cadastral", 8, bold=True)
            p.right(547, top, "Cotisation", 8, bold=True)
            p.rule(40, 555, top + 4)
            top += 16
            for b in these:
                p.text(48, top, b.commune, 8.5)
                p.text(165, top, b.adresse, 8.5)
                p.right(430, top, p.amount(b.revenu_cadastral), 8.5)
                p.right(547, top, p.amount(b.cotisation), 8.5)
                top += 13
            top += 18
        p.text(40, top, "Frais de gestion de la fiscalité directe locale", 8)
        p.right(547, top, p.amount(self.frais), 8)
        p.text(
            40,
            770,
            "Payez en ligne sur impots.gouv.fr, par smartphone, ou optez pour le prélèvement à l'échéance.",
            6.5,
        )

    def _draw_2024(self, p: Page) -> None:
        """Title on a banner, references label over value, owners beside the amount box,
        properties as labelled lines without colons."""
        banner(p, 40, 28, 515, 24, f"TAXES FONCIÈRES {self.annee}", 13)
        p.text(40, 68, "AVIS D'IMPÔTS LOCAUX", 9, bold=True)
        p.text(40, 80, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 8)
        p.text(360, 100, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
        p.text(360, 111, f"SIP DU {self.departement}", 8)
        addressee(p, self.proprietaires[0], self.adresse, 136)
        top = references_grid(
            p,
            [
                ("Numéro fiscal", group_numero_fiscal(self.numero_fiscal)),
                ("Référence de l'avis", group_reference(self.reference_avis)),
                ("Date d'établissement", f"30/08/{self.annee}"),
                ("Date limite de paiement", f"15/10/{self.annee}"),
            ],
            196,
        )
        top += 8
        p.text(40, top, "Propriétaire(s)", 10, bold=True)
        amount_below(p, 330, top - 12, 225, "Somme à payer", self.montant_total)
        top += 14
        for i, owner in enumerate(self.proprietaires):
            p.text(40, top, self._code(i), 8)
            p.text(112, top, f"{owner.civilite} {owner.identite}", 8)
            top += 12
        top = max(top, 300.0) + 24
        for nature, heading in (
            ("bati", "Propriétés bâties"),
            ("non_bati", "Propriétés non bâties"),
        ):
            these = [b for b in self.biens if b.nature == nature]
            if not these:
                continue
            banner(p, 40, top, 515, 16, heading, 9.5)
            top += 30
            for b in these:
                for label, value in (
                    ("Commune", b.commune),
                    ("Adresse du bien", b.adresse),
                    ("Revenu cadastral", f"{p.amount(b.revenu_cadastral)} €"),
                ):
                    p.text(52, top, label, 8.5)
                    p.text(200, top, value, 8.5)
                    top += 12
                p.text(52, top, "Cotisation", 8)
                p.right(547, top, p.amount(b.cotisation), 8)
                top += 22
        p.text(40, top, "Frais de gestion de la fiscalité directe locale", 8)
        p.right(547, top, p.amount(self.frais), 8)
        p.text(
            40,
            770,
            "Vous pouvez payer en ligne sur impots.gouv.fr, par smartphone ou par prélèvement à l'échéance.",
            6.5,
        )

    def _draw_classic(self, p: Page) -> None:
        local_header(p, f"Taxes foncières pour {self.annee}", None, self.departement)
        addressee(p, self.proprietaires[0], self.adresse)
        top = references(
            p,
            [
                ("Numéro fiscal :", group_numero_fiscal(self.numero_fiscal)),
                ("Référence de l'avis :", group_reference(self.reference_avis)),
                ("Numéro de rôle :", "005"),
                ("Date d'établissement :", f"29/08/{self.annee}"),
                ("Date de mise en recouvrement :", f"31/08/{self.annee}"),
                ("Date limite de paiement :", f"15/10/{self.annee}"),
            ],
        )
        top += 10
        p.text(40, top, "Débiteurs légaux", 10, bold=True)
        top += 14
        for i, owner in enumerate(self.proprietaires):
            code = self.codes[i] if i < len(self.codes) else "PROP/INDIVIS"
            p.text(40, top, code, 8)
            p.text(130, top, f"{owner.civilite} {owner.identite}", 8)
            top += 12
        top = total_box(p, top + 12, self.montant_total)
        p.text(40, top, "Détail de vos biens imposés", 11, bold=True)
        p.rule(40, 555, top + 6)
        top += 24
        for nature, heading in (
            ("bati", "Propriétés bâties"),
            ("non_bati", "Propriétés non bâties"),
        ):
            these = [b for b in self.biens if b.nature == nature]
            if not these:
                continue
            p.text(40, top, heading, 10, bold=True)
            top += 15
            for b in these:
                p.text(52, top, "Commune :", 9)
                p.text(170, top, b.commune, 9)
                p.text(52, top + 12, "Adresse du bien :", 9)
                p.text(170, top + 12, b.adresse, 9)
                p.text(52, top + 24, "Revenu cadastral :", 9)
                p.text(170, top + 24, f"{p.amount(b.revenu_cadastral)} €", 9)
                p.text(300, top + 24, "Taux global", 8)
                p.right(420, top + 24, f"{100 * b.taux:.2f} %".replace(".", ","), 8)
                p.text(440, top + 24, "Cotisation", 8)
                p.right(555, top + 24, p.amount(b.cotisation), 8)
                top += 42
        p.text(40, top, "Frais de gestion de la fiscalité directe locale", 8)
        p.right(555, top, p.amount(self.montant_total - sum(b.cotisation for b in self.biens)), 8)
        p.text(
            40,
            770,
            "Vous pouvez payer en ligne sur impots.gouv.fr, par smartphone ou par prélèvement à l'échéance.",
            6.5,
        )

    def expected_fields(self) -> dict[str, Any]:
        return {
            "annee_imposition": self.annee,
            "numero_fiscal": self.numero_fiscal,
            "reference_avis": self.reference_avis,
            "proprietaires": [o.identite for o in self.proprietaires],
            "biens": [
                {
                    "commune": b.commune,
                    "adresse": b.adresse,
                    "nature": b.nature,
                    "revenu_cadastral": b.revenu_cadastral,
                }
                for b in self.biens
            ],
            "montant_total": self.montant_total,
        }


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
