"""Garde-fou de saisie : chaque barème publié doit rester à ±3 € de la formule R861-3 appliquée au
plafond d'une personne.
"""

from __future__ import annotations

from decimal import Decimal

from .formules import UN, arrondi_euro
from .lecture_tables import erreur_de
from .modele_baremes import Baremes

# Écart maximal toléré entre un barème publié et la formule R861-3 appliquée au plafond
# d'une personne arrondi (les tableaux publiés partent d'une base non arrondie : ±2 €).
TOLERANCE_BAREME_PUBLIE = Decimal(3)


def verifier_publies(b: Baremes) -> None:
    """Chaque barème publié doit rester à ±3 € de la formule R861-3 (garde-fou de saisie)."""
    erreur = erreur_de("plafonds.toml")
    dom = UN + b.majoration_dom.taux
    participation = UN + b.majoration_participation.taux
    for r in b.revalorisations:
        for zone, facteur_zone in (("metropole", UN), ("dom", dom)):
            publie = r.publie(zone == "dom")
            if publie is None:
                continue
            chemin = f"revalorisation du {r.debut.isoformat()}, {zone}"
            if zone == "metropole" and publie.gratuite[0] != r.plafond_une_personne:
                raise erreur(
                    chemin, "le barème publié pour une personne diffère de plafond_une_personne"
                )
            for avec, facteur in ((False, UN), (True, participation)):
                valeurs, supplement = publie.table(avec)
                nom = "participation" if avec else "gratuite"
                if len(valeurs) < 4:
                    raise erreur(
                        f"{chemin}.{nom}", "au moins 4 tailles de foyer attendues (1 à 4 personnes)"
                    )
                for n, publiee in enumerate(valeurs, start=1):
                    calculee = arrondi_euro(
                        r.plafond_une_personne
                        * facteur_zone
                        * facteur
                        * b.composition.coefficient([UN] * n)
                    )
                    if abs(publiee - calculee) > TOLERANCE_BAREME_PUBLIE:
                        raise erreur(
                            f"{chemin}.{nom}[{n - 1}]",
                            f"{publiee} s'écarte de plus de {TOLERANCE_BAREME_PUBLIE} € de la "
                            f"formule ({calculee})",
                        )
                calcule = (
                    r.plafond_une_personne
                    * facteur_zone
                    * facteur
                    * b.composition.majoration(len(valeurs) + 1)
                )
                if abs(supplement - calcule) > TOLERANCE_BAREME_PUBLIE:
                    raise erreur(
                        f"{chemin}.{nom}_personne_supplementaire",
                        f"{supplement} s'écarte de plus de {TOLERANCE_BAREME_PUBLIE} € de la "
                        f"formule ({arrondi_euro(calcule)})",
                    )
