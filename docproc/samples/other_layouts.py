"""Synthetic one-page documents other than the avis d'impôt: taxe foncière, taxe d'habitation,
CAF/MSA attestation de ressources inférieures au RSA, foreign tax certificates.

Each document object says its ``kind``, draws its page (``page_drawer``) and gives the
contract fields a perfect reader must return (``expected_fields``). Layouts are plausible
inventions from shared/reference/documents.md §2.3–2.6 (mostly [I]); names and numbers are
invented, numbers have valid formats (keys included where one exists).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from docproc.samples.identities import Person, group_numero_fiscal, group_reference
from docproc.samples.layout import H, Page

MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre")


def date_en_lettres(d: date) -> str:
    return f"{'1er' if d.day == 1 else d.day} {MOIS[d.month - 1]} {d.year}"


def national_amount(value: float, style: str) -> str:
    """'28.456,00' (be/es), '96 500,00' (fr/ma, no-break spaces), '31,250.00' (uk)."""
    whole, cents = f"{value:,.2f}".split(".")
    if style == "uk":
        return f"{whole}.{cents}"
    sep = "\u00a0" if style == "fr" else "."
    return f"{whole.replace(',', sep)},{cents}"


class Sheet:
    """A one-page synthetic document that describes itself to the generator."""

    kind: ClassVar[str]
    pages: ClassVar[int] = 1

    def draw(self, p: Page) -> None:
        raise NotImplementedError

    def expected_fields(self) -> dict[str, Any]:
        raise NotImplementedError

    def page_drawer(self, n: int) -> Callable[[Page], None]:
        if n != 1:
            raise ValueError("document d'une seule page")
        return self.draw

    def expected_document(self) -> dict[str, Any]:
        return {"kind": self.kind, "complete": True, "missing_pages": [], "fields": self.expected_fields()}


def _local_header(p: Page, title: str, subtitle: str | None, departement: str) -> None:
    p.text(40, 40, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 10, bold=True)
    p.text(40, 56, "AVIS D'IMPÔTS LOCAUX", 9)
    p.text(40, 78, title, 14, bold=True)
    if subtitle:
        p.text(40, 94, subtitle, 8)
    p.text(360, 120, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
    p.text(360, 131, f"SIP DU {departement}", 8)


def _addressee(p: Page, person: Person, adresse: str, top: float = 160) -> None:
    street, _, town = adresse.partition(" | ")
    p.text(330, top, f"{person.civilite} {person.identite}", 10)
    p.text(330, top + 13, street, 10)
    p.text(330, top + 26, town, 10)


def _references(p: Page, rows: list[tuple[str, str]], top: float = 215) -> float:
    p.text(40, top, "Vos références", 11, bold=True)
    top += 16
    for label, value in rows:
        p.text(40, top, label, 8)
        p.text(175, top, value, 8)
        top += 12
    return top


def _total_box(p: Page, top: float, total: int) -> float:
    """The amount to pay, across the page (no other column shares its line)."""
    p.box(40, top, 515, 34)
    p.text(50, top + 21, "Montant de votre impôt :", 10, bold=True)
    p.right(545, top + 21, f"{p.amount(total)} €", 12, bold=True)
    return top + 56


#: Editions of the local-tax avis the generator draws. "classic" is the first synthetic layout
#: (kept byte for byte); "2023" and "2024" follow the real editions' habits (documents.md
#: §2.3–2.4, [I]): white headings on blue banners as on the IR avis, other title wordings
#: ("Taxes foncières 2023", "TAXES FONCIÈRES 2024"), labels without colons, values under their
#: label, the properties as a table (2023) or as labelled lines (2024).
EDITIONS = ("classic", "2023", "2024")
#: The banner blue of the DGFiP avis (white text on it).
BANNER_BLUE = (0.27, 0.45, 0.72)
LIGHT_BLUE = (0.86, 0.90, 0.97)


def _banner(p: Page, x: float, top: float, w: float, h: float, text: str, size: float = 10,
            right_text: str | None = None) -> None:
    """A heading in white on a blue banner (``top`` is the banner's top edge)."""
    p.c.saveState()
    p.c.setFillColorRGB(*BANNER_BLUE)
    p.c.rect(x, H - top - h, w, h, stroke=0, fill=1)
    p.c.setFillColorRGB(1, 1, 1)
    baseline = top + h / 2 + size * 0.35
    p.text(x + 8, baseline, text, size, bold=True)
    if right_text:
        p.right(x + w - 8, baseline, right_text, size + 1, bold=True)
    p.c.restoreState()


def _light_row(p: Page, x: float, top: float, w: float, h: float) -> None:
    p.c.saveState()
    p.c.setFillColorRGB(*LIGHT_BLUE)
    p.c.rect(x, H - top - h, w, h, stroke=0, fill=1)
    p.c.restoreState()


def _references_grid(p: Page, pairs: list[tuple[str, str]], top: float) -> float:
    """"Vos références" on a banner, then label over value, two pairs a row."""
    _banner(p, 40, top, 250, 16, "Vos références", 10)
    top += 30
    for k in range(0, len(pairs), 2):
        for (label, value), x in zip(pairs[k:k + 2], (40, 175), strict=False):
            p.text(x, top, label, 7.5)
            p.text(x, top + 11, value, 8.5, bold=True)
        top += 28
    return top


def _amount_below(p: Page, x: float, top: float, w: float, label: str, total: int) -> float:
    """The amount to pay under its banner, in a light row, starting under the label."""
    _banner(p, x, top, w, 18, label, 10)
    _light_row(p, x, top + 18, w, 20)
    p.text(x + 8, top + 33, f"{p.amount(total)} €", 12, bold=True)
    return top + 50


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
        return cotisations + round(cotisations * 0.03)  # frais de gestion de la fiscalité directe locale

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
        _banner(p, 40, 42, 515, 20, "AVIS D'IMPÔTS LOCAUX", 11)
        p.text(40, 88, f"Taxes foncières {self.annee}", 15, bold=True)
        p.text(360, 112, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
        p.text(360, 123, f"SIP DU {self.departement}", 8)
        _addressee(p, self.proprietaires[0], self.adresse, 146)
        _banner(p, 40, 200, 250, 16, "Vos références", 10)
        top = 230.0
        for label, value in (("Numéro fiscal", group_numero_fiscal(self.numero_fiscal)),
                             ("Référence de l'avis", group_reference(self.reference_avis)),
                             ("Numéro de rôle", "007"),
                             ("Date d'établissement", f"28/08/{self.annee}"),
                             ("Date limite de paiement", f"16/10/{self.annee}")):
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
        _banner(p, 40, top, 515, 22, "Montant à payer", 10, right_text=f"{p.amount(self.montant_total)} €")
        top += 46
        for nature, heading in (("bati", "Propriétés bâties"), ("non_bati", "Propriétés non bâties")):
            these = [b for b in self.biens if b.nature == nature]
            if not these:
                continue
            _banner(p, 40, top, 515, 16, heading, 9.5)
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
        p.text(40, 770, "Payez en ligne sur impots.gouv.fr, par smartphone, ou optez pour le prélèvement à l'échéance.", 6.5)

    def _draw_2024(self, p: Page) -> None:
        """Title on a banner, references label over value, owners beside the amount box,
        properties as labelled lines without colons."""
        _banner(p, 40, 28, 515, 24, f"TAXES FONCIÈRES {self.annee}", 13)
        p.text(40, 68, "AVIS D'IMPÔTS LOCAUX", 9, bold=True)
        p.text(40, 80, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 8)
        p.text(360, 100, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
        p.text(360, 111, f"SIP DU {self.departement}", 8)
        _addressee(p, self.proprietaires[0], self.adresse, 136)
        top = _references_grid(p, [
            ("Numéro fiscal", group_numero_fiscal(self.numero_fiscal)),
            ("Référence de l'avis", group_reference(self.reference_avis)),
            ("Date d'établissement", f"30/08/{self.annee}"),
            ("Date limite de paiement", f"15/10/{self.annee}"),
        ], 196)
        top += 8
        p.text(40, top, "Propriétaire(s)", 10, bold=True)
        _amount_below(p, 330, top - 12, 225, "Somme à payer", self.montant_total)
        top += 14
        for i, owner in enumerate(self.proprietaires):
            p.text(40, top, self._code(i), 8)
            p.text(112, top, f"{owner.civilite} {owner.identite}", 8)
            top += 12
        top = max(top, 300.0) + 24
        for nature, heading in (("bati", "Propriétés bâties"), ("non_bati", "Propriétés non bâties")):
            these = [b for b in self.biens if b.nature == nature]
            if not these:
                continue
            _banner(p, 40, top, 515, 16, heading, 9.5)
            top += 30
            for b in these:
                for label, value in (("Commune", b.commune), ("Adresse du bien", b.adresse),
                                     ("Revenu cadastral", f"{p.amount(b.revenu_cadastral)} €")):
                    p.text(52, top, label, 8.5)
                    p.text(200, top, value, 8.5)
                    top += 12
                p.text(52, top, "Cotisation", 8)
                p.right(547, top, p.amount(b.cotisation), 8)
                top += 22
        p.text(40, top, "Frais de gestion de la fiscalité directe locale", 8)
        p.right(547, top, p.amount(self.frais), 8)
        p.text(40, 770, "Vous pouvez payer en ligne sur impots.gouv.fr, par smartphone ou par prélèvement à l'échéance.", 6.5)

    def _draw_classic(self, p: Page) -> None:
        _local_header(p, f"Taxes foncières pour {self.annee}", None, self.departement)
        _addressee(p, self.proprietaires[0], self.adresse)
        top = _references(p, [
            ("Numéro fiscal :", group_numero_fiscal(self.numero_fiscal)),
            ("Référence de l'avis :", group_reference(self.reference_avis)),
            ("Numéro de rôle :", "005"),
            ("Date d'établissement :", f"29/08/{self.annee}"),
            ("Date de mise en recouvrement :", f"31/08/{self.annee}"),
            ("Date limite de paiement :", f"15/10/{self.annee}"),
        ])
        top += 10
        p.text(40, top, "Débiteurs légaux", 10, bold=True)
        top += 14
        for i, owner in enumerate(self.proprietaires):
            code = self.codes[i] if i < len(self.codes) else "PROP/INDIVIS"
            p.text(40, top, code, 8)
            p.text(130, top, f"{owner.civilite} {owner.identite}", 8)
            top += 12
        top = _total_box(p, top + 12, self.montant_total)
        p.text(40, top, "Détail de vos biens imposés", 11, bold=True)
        p.rule(40, 555, top + 6)
        top += 24
        for nature, heading in (("bati", "Propriétés bâties"), ("non_bati", "Propriétés non bâties")):
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
        p.text(40, 770, "Vous pouvez payer en ligne sur impots.gouv.fr, par smartphone ou par prélèvement à l'échéance.", 6.5)

    def expected_fields(self) -> dict[str, Any]:
        return {
            "annee_imposition": self.annee,
            "numero_fiscal": self.numero_fiscal,
            "reference_avis": self.reference_avis,
            "proprietaires": [o.identite for o in self.proprietaires],
            "biens": [{"commune": b.commune, "adresse": b.adresse, "nature": b.nature,
                       "revenu_cadastral": b.revenu_cadastral} for b in self.biens],
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
        _banner(p, 40, 28, 515, 24, f"TAXE D'HABITATION {self.annee}", 13)
        p.text(40, 66, "AVIS D'IMPÔTS LOCAUX", 9, bold=True)
        p.text(40, 78, "Résidences secondaires et autres locaux meublés non affectés à l'habitation principale", 7.5)
        p.text(40, 90, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 8)
        p.text(360, 110, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
        p.text(360, 121, f"SIP DU {self.departement}", 8)
        _addressee(p, self.redevable, self.adresse_postale, 146)
        top = _references_grid(p, [
            ("Numéro fiscal", group_numero_fiscal(self.redevable.numero_fiscal)),
            ("Référence de l'avis", group_reference(self.reference_avis)),
            ("Date de mise en recouvrement", f"31/10/{self.annee}"),
            ("Date limite de paiement", f"15/12/{self.annee}"),
        ], 206)
        top = _amount_below(p, 40, top + 6, 250, "Montant à payer", self.montant_total)
        p.text(40, top + 4, "Adresse du local", 9, bold=True)
        street, _, town = self.adresse_local.partition(" | ")
        p.text(40, top + 17, street, 9)
        p.text(40, top + 29, town, 9)
        top += 60
        _banner(p, 40, top, 515, 16, "Détail du calcul", 9.5)
        top += 32
        cotisation = round(self.base_nette * self.taux)
        columns = ((40, "Valeur locative brute", p.amount(self.valeur_locative_brute)),
                   (215, "Base nette d'imposition", p.amount(self.base_nette)),
                   (370, "Taux communal", f"{100 * self.taux:.2f} %".replace(".", ",")),
                   (470, "Cotisation", p.amount(cotisation)))
        for x, label, value in columns:
            p.text(x, top, label, 8, bold=True)
            p.text(x, top + 14, value, 9)
        top += 40
        p.text(40, top, "Frais de gestion de la fiscalité directe locale", 8)
        p.right(547, top, p.amount(self.montant_total - cotisation), 8)
        p.text(40, 770, "Déclaration d'occupation : vos locaux sont déclarés sur impots.gouv.fr, rubrique Gérer mes biens immobiliers.", 6.5)

    def _draw_classic(self, p: Page) -> None:
        _local_header(p, f"Taxe d'habitation pour {self.annee}",
                      "Résidences secondaires et autres locaux meublés non affectés à l'habitation principale",
                      self.departement)
        _addressee(p, self.redevable, self.adresse_postale)
        top = _references(p, [
            ("Numéro fiscal :", group_numero_fiscal(self.redevable.numero_fiscal)),
            ("Référence de l'avis :", group_reference(self.reference_avis)),
            ("Numéro de rôle :", "011"),
            ("Date d'établissement :", f"31/10/{self.annee}"),
            ("Date de mise en recouvrement :", f"31/10/{self.annee}"),
            ("Date limite de paiement :", f"15/12/{self.annee}"),
        ])
        top = _total_box(p, top + 12, self.montant_total)
        p.text(40, top, "Adresse du local :", 9, bold=True)
        p.text(140, top, self.adresse_local.replace(" | ", " "), 9)
        top += 24
        p.text(40, top, "Détail du calcul", 11, bold=True)
        p.rule(40, 555, top + 6)
        top += 22
        cotisation = round(self.base_nette * self.taux)
        rows = (("Valeur locative brute", p.amount(self.valeur_locative_brute)),
                ("Valeur locative nette", p.amount(self.base_nette)),
                ("Base nette d'imposition", p.amount(self.base_nette)),
                ("Taux communal", f"{100 * self.taux:.2f} %".replace(".", ",")),
                ("Cotisation", p.amount(cotisation)),
                ("Frais de gestion de la fiscalité directe locale", p.amount(self.montant_total - cotisation)))
        for label, value in rows:
            p.text(52, top, label, 9)
            p.right(555, top, value, 9)
            top += 14
        p.text(40, 770, "Déclaration d'occupation : vos locaux sont déclarés sur impots.gouv.fr, rubrique Gérer mes biens immobiliers.", 6.5)

    def expected_fields(self) -> dict[str, Any]:
        return {
            "annee_imposition": self.annee,
            "numero_fiscal": self.redevable.numero_fiscal,
            "reference_avis": self.reference_avis,
            "adresse": self.adresse_local.replace(" | ", " "),
            "valeur_locative_brute": self.valeur_locative_brute,
            "montant_total": self.montant_total,
        }


@dataclass
class AttestationRsa(Sheet):
    kind: ClassVar[str] = "attestation_rsa"
    organisme: str  # "CAF" | "MSA"
    caisse: str  # "de la Gironde", "Midi-Pyrénées Nord"
    ville: str
    beneficiaire: Person
    adresse: str  # "street | town"
    numero_allocataire: str
    date_attestation: date

    def draw(self, p: Page) -> None:
        if self.organisme == "CAF":
            self._draw_caf(p)
        else:
            self._draw_msa(p)

    def _draw_caf(self, p: Page) -> None:
        b = self.beneficiaire
        p.text(40, 44, f"Caisse d'allocations familiales {self.caisse}", 12, bold=True)
        p.text(40, 60, f"Service prestations — {self.ville.upper()}", 8)
        p.text(360, 100, f"N° allocataire : {self.numero_allocataire}", 9)
        p.text(360, 112, "Dossier suivi par : accueil RSA", 8)
        _addressee(p, b, self.adresse, 150)
        p.text(40, 230, "ATTESTATION", 13, bold=True)
        p.text(40, 248, "de ressources présumées inférieures au montant forfaitaire", 11, bold=True)
        p.text(40, 263, "du revenu de solidarité active (RSA)", 11, bold=True)
        body = (f"Je soussigné(e), le directeur de la Caisse d'allocations familiales {self.caisse},",
                "atteste, au vu des informations déclarées lors de la demande de RSA, que les ressources de :")
        for i, line in enumerate(body):
            p.text(40, 295 + 13 * i, line, 9.5)
        p.text(60, 335, "Nom et prénom :", 9.5)
        p.text(180, 335, b.identite, 9.5)
        p.text(60, 349, "Numéro allocataire :", 9.5)
        p.text(180, 349, self.numero_allocataire, 9.5)
        p.text(40, 375, "sont présumées inférieures au montant forfaitaire du revenu de solidarité active.", 9.5)
        p.text(40, 400, "Cette attestation est à joindre à la demande de complémentaire santé solidaire adressée", 9.5)
        p.text(40, 413, "à la caisse d'assurance maladie.", 9.5)
        p.text(330, 450, f"Fait à {self.ville}, le {date_en_lettres(self.date_attestation)}", 9.5)
        p.text(330, 466, "Le directeur,", 9.5)

    def _draw_msa(self, p: Page) -> None:
        b = self.beneficiaire
        p.text(40, 44, f"MSA {self.caisse}", 14, bold=True)
        p.text(40, 62, "Mutualité sociale agricole", 9)
        p.text(40, 74, f"Site de {self.ville}", 8)
        _addressee(p, b, self.adresse, 120)
        p.text(40, 200, "Attestation — revenu de solidarité active (RSA)", 12, bold=True)
        p.text(40, 224, "Date d'édition :", 9)
        p.text(140, 224, self.date_attestation.strftime("%d/%m/%Y"), 9)
        p.text(40, 238, "Bénéficiaire :", 9)
        p.text(140, 238, f"{b.civilite} {b.identite}", 9)
        p.text(40, 252, "N° allocataire MSA :", 9)
        p.text(140, 252, self.numero_allocataire, 9)
        body = ("La MSA certifie qu'au vu des éléments déclarés lors de la demande de RSA, les ressources",
                "de la personne désignée ci-dessus sont présumées ne pas excéder le montant forfaitaire du",
                "revenu de solidarité active (RSA).",
                "Ce document permet d'instruire une demande de complémentaire santé solidaire.")
        for i, line in enumerate(body):
            p.text(40, 285 + 13 * i, line, 9.5)
        p.text(330, 370, "Pour le directeur et par délégation,", 9)

    def expected_fields(self) -> dict[str, Any]:
        return {
            "organisme": self.organisme,
            "date_attestation": self.date_attestation.isoformat(),
            "beneficiaire": self.beneficiaire.identite,
            "numero_allocataire": self.numero_allocataire,
            "ressources_inferieures_rsa": True,
        }


@dataclass
class Etranger(Sheet):
    """A foreign tax certificate; ``pays`` picks the layout."""

    kind: ClassVar[str] = "justificatif_etranger"
    pays: str  # "BE" | "ES" | "MA" | "GB"
    nom: str
    prenoms: str
    annee: int
    revenu: float  # as printed, in the national currency
    identifiant: str  # N.N., NIF, identifiant fiscal, UTR, as printed
    ville: str
    emis: date
    revenu_euros: int | None = None  # expected conversion (None: no rate)

    LANG: ClassVar[dict[str, str]] = {"BE": "fr", "ES": "es", "MA": "fr", "GB": "en"}
    CURRENCY: ClassVar[dict[str, str]] = {"BE": "EUR", "ES": "EUR", "MA": "MAD", "GB": "GBP"}

    def draw(self, p: Page) -> None:
        {"BE": self._draw_be, "ES": self._draw_es, "MA": self._draw_ma, "GB": self._draw_gb}[self.pays](p)

    def _draw_be(self, p: Page) -> None:
        amt = national_amount(self.revenu, "be")
        impot = national_amount(round(self.revenu * 0.21, 2), "be")
        p.text(40, 40, "SERVICE PUBLIC FÉDÉRAL FINANCES", 11, bold=True)
        p.text(40, 54, "Administration générale de la Fiscalité", 9)
        p.right(555, 40, "page : 1/1", 8)
        p.text(40, 84, "Avertissement-extrait de rôle", 14, bold=True)
        p.text(40, 100, "Impôt des personnes physiques et taxes additionnelles", 9)
        rows = (("N.N. :", self.identifiant), ("Exercice d'imposition :", str(self.annee + 1)),
                ("Année des revenus :", str(self.annee)), ("Article de rôle :", "712 345 678"),
                ("Commune :", self.ville.upper()),
                ("Date d'exécutoire du rôle :", f"27/06/{self.annee + 1}"),
                ("Date d'envoi :", self.emis.strftime("%d/%m/%Y")))
        for i, (label, value) in enumerate(rows):
            p.text(40, 130 + 12 * i, label, 8)
            p.text(170, 130 + 12 * i, value, 8)
        p.text(330, 140, f"{self.nom} {self.prenoms}", 10)
        p.text(330, 153, "Rue de la Station 12", 10)
        p.text(330, 166, f"5000 {self.ville.upper()}", 10)
        p.text(40, 240, f"Revenus {self.annee} - EX {self.annee + 1}", 11, bold=True)
        p.text(40, 260, "Résumé", 10, bold=True)
        p.text(52, 278, "Revenu imposable globalement", 9)
        p.right(555, 278, f"{amt} EUR", 9)
        p.text(52, 292, "Impôt total", 9)
        p.right(555, 292, f"{impot} EUR", 9)
        p.text(52, 306, "Versements anticipés et précomptes imputés", 9)
        p.right(555, 306, f"{impot} EUR", 9)
        p.text(40, 334, "Le montant en votre faveur est : 0,00 EUR", 9, bold=True)

    def _draw_es(self, p: Page) -> None:
        amt = national_amount(self.revenu, "es")
        ahorro = national_amount(245.10, "es")
        cuota = national_amount(round(self.revenu * 0.12, 2), "es")
        p.text(40, 40, "Agencia Tributaria", 13, bold=True)
        p.text(40, 56, "Agencia Estatal de Administración Tributaria", 8)
        p.text(40, 92, "Certificado de Impuesto sobre la Renta de las Personas Físicas (IRPF)", 12, bold=True)
        p.text(40, 110, f"Ejercicio {self.annee}", 11, bold=True)
        lines = ("La Agencia Estatal de Administración Tributaria certifica que, según los datos que constan",
                 "en la misma, el contribuyente abajo indicado presentó la declaración del IRPF del ejercicio",
                 "con los siguientes importes:")
        for i, line in enumerate(lines):
            p.text(40, 140 + 13 * i, line, 9)
        p.text(40, 190, "NIF:", 9)
        p.text(170, 190, self.identifiant, 9)
        p.text(40, 204, "Apellidos y nombre:", 9)
        p.text(170, 204, f"{self.nom} {self.prenoms}", 9)
        for i, (label, value) in enumerate((("Base liquidable general", amt),
                                            ("Base liquidable del ahorro", ahorro),
                                            ("Cuota resultante de la autoliquidación", cuota))):
            p.text(52, 236 + 14 * i, label, 9)
            p.right(555, 236 + 14 * i, f"{value} €", 9)
        p.text(40, 300, f"En {self.ville}, a {self.emis.day} de {('enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre')[self.emis.month - 1]} de {self.emis.year}", 9)
        p.text(40, 330, "Código Seguro de Verificación (CSV): Q7RJ4K2M9XW3ZL8P", 8)

    def _draw_ma(self, p: Page) -> None:
        amt = national_amount(self.revenu, "fr")
        p.text(40, 40, "ROYAUME DU MAROC", 11, bold=True)
        p.text(40, 54, "Ministère de l'Économie et des Finances", 9)
        p.text(40, 66, "Direction Générale des Impôts", 9)
        p.text(40, 78, f"Direction régionale de {self.ville}", 8)
        p.text(40, 116, "ATTESTATION DE REVENU GLOBAL", 14, bold=True)
        lines = (f"Le Directeur régional des impôts de {self.ville} atteste que le contribuable désigné",
                 f"ci-dessous a souscrit sa déclaration du revenu global au titre de l'année {self.annee}.")
        for i, line in enumerate(lines):
            p.text(40, 146 + 13 * i, line, 9.5)
        rows = (("Nom et prénom :", f"{self.nom} {self.prenoms}"), ("Identifiant fiscal (IF) :", self.identifiant),
                ("Revenu global imposable :", f"{amt} DH"))
        for i, (label, value) in enumerate(rows):
            p.text(52, 190 + 14 * i, label, 9.5)
            p.text(200, 190 + 14 * i, value, 9.5)
        p.text(40, 250, "La présente attestation est délivrée à l'intéressé(e) pour servir et valoir ce que de droit.", 9)
        p.text(330, 280, f"Fait à {self.ville}, le {self.emis.strftime('%d/%m/%Y')}", 9.5)

    def _draw_gb(self, p: Page) -> None:
        def money(v: float) -> str:
            return f"£{national_amount(v, 'uk')}"
        pay = round(self.revenu * 0.9, 2)
        profit = round(self.revenu - pay, 2)
        allowance = 12570.0
        taxable = max(self.revenu - allowance, 0.0)
        p.text(40, 40, "HM Revenue & Customs", 12, bold=True)
        p.right(555, 40, "SA302", 10, bold=True)
        p.text(40, 80, "Tax calculation", 14, bold=True)
        p.text(40, 98, f"Tax year {self.annee}-{(self.annee + 1) % 100:02d} (6 April {self.annee} to 5 April {self.annee + 1})", 10)
        rows = (("Name:", f"{self.nom} {self.prenoms}"), ("Unique Taxpayer Reference (UTR):", self.identifiant),
                ("Issue date:", self.emis.strftime("%d/%m/%Y")))
        for i, (label, text) in enumerate(rows):
            p.text(40, 126 + 12 * i, label, 9)
            p.text(220, 126 + 12 * i, text, 9)
        p.text(40, 180, "Income", 11, bold=True)
        for i, (label, value) in enumerate((("Pay from all employments", pay),
                                            ("Profit from self-employment", profit),
                                            ("Total income received", self.revenu),
                                            ("minus Personal allowance", allowance),
                                            ("Total income on which tax is due", taxable),
                                            ("Income Tax due", round(taxable * 0.2, 2)))):
            p.text(52, 198 + 14 * i, label, 9)
            p.right(555, 198 + 14 * i, money(value), 9)
        p.text(40, 300, "This calculation is based on the return you sent to us for the tax year shown above.", 8)

    def expected_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "pays": self.pays,
            "langue": self.LANG[self.pays],
            "annee": self.annee,
            "revenu_annuel": _half_up(self.revenu),
            "devise": self.CURRENCY[self.pays],
        }
        if self.revenu_euros is not None:
            fields["revenu_annuel_eur"] = self.revenu_euros
        return fields


def _half_up(v: float) -> int:
    from decimal import ROUND_HALF_UP, Decimal
    return int(Decimal(str(v)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
