"""Synthetic avis de taxe foncière, in three editions (classic, 2023, 2024)."""

from __future__ import annotations

from dataclasses import dataclass, field
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
