"""Synthetic CAF/MSA attestations de ressources inférieures au RSA and foreign tax or social certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from docproc.eligibility.texte import date_fr
from docproc.samples.identities import Person
from docproc.samples.other_layouts import Sheet, addressee, national_amount
from docproc.samples.page_canvas import Page


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
        addressee(p, b, self.adresse, 150)
        p.text(40, 230, "ATTESTATION", 13, bold=True)
        p.text(40, 248, "de ressources présumées inférieures au montant forfaitaire", 11, bold=True)
        p.text(40, 263, "du revenu de solidarité active (RSA)", 11, bold=True)
        body = (
            f"Je soussigné(e), le directeur de la Caisse d'allocations familiales {self.caisse},",
            "atteste, au vu des informations déclarées lors de la demande de RSA, que les ressources de :",
        )
        for i, line in enumerate(body):
            p.text(40, 295 + 13 * i, line, 9.5)
        p.text(60, 335, "Nom et prénom :", 9.5)
        p.text(180, 335, b.identite, 9.5)
        p.text(60, 349, "Numéro allocataire :", 9.5)
        p.text(180, 349, self.numero_allocataire, 9.5)
        p.text(
            40,
            375,
            "sont présumées inférieures au montant forfaitaire du revenu de solidarité active.",
            9.5,
        )
        p.text(
            40,
            400,
            "Cette attestation est à joindre à la demande de complémentaire santé solidaire adressée",
            9.5,
        )
        p.text(40, 413, "à la caisse d'assurance maladie.", 9.5)
        p.text(330, 450, f"Fait à {self.ville}, le {date_fr(self.date_attestation)}", 9.5)
        p.text(330, 466, "Le directeur,", 9.5)

    def _draw_msa(self, p: Page) -> None:
        b = self.beneficiaire
        p.text(40, 44, f"MSA {self.caisse}", 14, bold=True)
        p.text(40, 62, "Mutualité sociale agricole", 9)
        p.text(40, 74, f"Site de {self.ville}", 8)
        addressee(p, b, self.adresse, 120)
        p.text(40, 200, "Attestation — revenu de solidarité active (RSA)", 12, bold=True)
        p.text(40, 224, "Date d'édition :", 9)
        p.text(140, 224, self.date_attestation.strftime("%d/%m/%Y"), 9)
        p.text(40, 238, "Bénéficiaire :", 9)
        p.text(140, 238, f"{b.civilite} {b.identite}", 9)
        p.text(40, 252, "N° allocataire MSA :", 9)
        p.text(140, 252, self.numero_allocataire, 9)
        body = (
            "La MSA certifie qu'au vu des éléments déclarés lors de la demande de RSA, les ressources",
            "de la personne désignée ci-dessus sont présumées ne pas excéder le montant forfaitaire du",
            "revenu de solidarité active (RSA).",
            "Ce document permet d'instruire une demande de complémentaire santé solidaire.",
        )
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
        {"BE": self._draw_be, "ES": self._draw_es, "MA": self._draw_ma, "GB": self._draw_gb}[
            self.pays
        ](p)

    def _draw_be(self, p: Page) -> None:
        amt = national_amount(self.revenu, "be")
        impot = national_amount(round(self.revenu * 0.21, 2), "be")
        p.text(40, 40, "SERVICE PUBLIC FÉDÉRAL FINANCES", 11, bold=True)
        p.text(40, 54, "Administration générale de la Fiscalité", 9)
        p.right(555, 40, "page : 1/1", 8)
        p.text(40, 84, "Avertissement-extrait de rôle", 14, bold=True)
        p.text(40, 100, "Impôt des personnes physiques et taxes additionnelles", 9)
        rows = (
            ("N.N. :", self.identifiant),
            ("Exercice d'imposition :", str(self.annee + 1)),
            ("Année des revenus :", str(self.annee)),
            ("Article de rôle :", "712 345 678"),
            ("Commune :", self.ville.upper()),
            ("Date d'exécutoire du rôle :", f"27/06/{self.annee + 1}"),
            ("Date d'envoi :", self.emis.strftime("%d/%m/%Y")),
        )
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
        p.text(
            40,
            92,
            "Certificado de Impuesto sobre la Renta de las Personas Físicas (IRPF)",
            12,
            bold=True,
        )
        p.text(40, 110, f"Ejercicio {self.annee}", 11, bold=True)
        lines = (
            "La Agencia Estatal de Administración Tributaria certifica que, según los datos que constan",
            "en la misma, el contribuyente abajo indicado presentó la declaración del IRPF del ejercicio",
            "con los siguientes importes:",
        )
        for i, line in enumerate(lines):
            p.text(40, 140 + 13 * i, line, 9)
        p.text(40, 190, "NIF:", 9)
        p.text(170, 190, self.identifiant, 9)
        p.text(40, 204, "Apellidos y nombre:", 9)
        p.text(170, 204, f"{self.nom} {self.prenoms}", 9)
        for i, (label, value) in enumerate(
            (
                ("Base liquidable general", amt),
                ("Base liquidable del ahorro", ahorro),
                ("Cuota resultante de la autoliquidación", cuota),
            )
        ):
            p.text(52, 236 + 14 * i, label, 9)
            p.right(555, 236 + 14 * i, f"{value} €", 9)
        p.text(
            40,
            300,
            f"En {self.ville}, a {self.emis.day} de {('enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre')[self.emis.month - 1]} de {self.emis.year}",
            9,
        )
        p.text(40, 330, "Código Seguro de Verificación (CSV): Q7RJ4K2M9XW3ZL8P", 8)

    def _draw_ma(self, p: Page) -> None:
        amt = national_amount(self.revenu, "fr")
        p.text(40, 40, "ROYAUME DU MAROC", 11, bold=True)
        p.text(40, 54, "Ministère de l'Économie et des Finances", 9)
        p.text(40, 66, "Direction Générale des Impôts", 9)
        p.text(40, 78, f"Direction régionale de {self.ville}", 8)
        p.text(40, 116, "ATTESTATION DE REVENU GLOBAL", 14, bold=True)
        lines = (
            f"Le Directeur régional des impôts de {self.ville} atteste que le contribuable désigné",
            f"ci-dessous a souscrit sa déclaration du revenu global au titre de l'année {self.annee}.",
        )
        for i, line in enumerate(lines):
            p.text(40, 146 + 13 * i, line, 9.5)
        rows = (
            ("Nom et prénom :", f"{self.nom} {self.prenoms}"),
            ("Identifiant fiscal (IF) :", self.identifiant),
            ("Revenu global imposable :", f"{amt} DH"),
        )
        for i, (label, value) in enumerate(rows):
            p.text(52, 190 + 14 * i, label, 9.5)
            p.text(200, 190 + 14 * i, value, 9.5)
        p.text(
            40,
            250,
            "La présente attestation est délivrée à l'intéressé(e) pour servir et valoir ce que de droit.",
            9,
        )
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
        p.text(
            40,
            98,
            f"Tax year {self.annee}-{(self.annee + 1) % 100:02d} (6 April {self.annee} to 5 April {self.annee + 1})",
            10,
        )
        rows = (
            ("Name:", f"{self.nom} {self.prenoms}"),
            ("Unique Taxpayer Reference (UTR):", self.identifiant),
            ("Issue date:", self.emis.strftime("%d/%m/%Y")),
        )
        for i, (label, text) in enumerate(rows):
            p.text(40, 126 + 12 * i, label, 9)
            p.text(220, 126 + 12 * i, text, 9)
        p.text(40, 180, "Income", 11, bold=True)
        for i, (label, value) in enumerate(
            (
                ("Pay from all employments", pay),
                ("Profit from self-employment", profit),
                ("Total income received", self.revenu),
                ("minus Personal allowance", allowance),
                ("Total income on which tax is due", taxable),
                ("Income Tax due", round(taxable * 0.2, 2)),
            )
        ):
            p.text(52, 198 + 14 * i, label, 9)
            p.right(555, 198 + 14 * i, money(value), 9)
        p.text(
            40,
            300,
            "This calculation is based on the return you sent to us for the tax year shown above.",
            8,
        )

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
