"""``docproc eligibility HOUSEHOLD.json [--json]`` : le câblage argparse est dans cli.main (hors de la bibliothèque)."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from .erreurs_foyer import HouseholdError
from .moteur import GRATUITE, PARTICIPATION, evaluate
from .texte import euros

DECISIONS = {
    GRATUITE: "Complémentaire santé solidaire SANS participation financière",
    PARTICIPATION: "Complémentaire santé solidaire AVEC participation financière",
    "non_eligible": "NON ÉLIGIBLE à la complémentaire santé solidaire",
}

RECEVABILITE = {
    "irrecevable": "DEMANDE NON RECEVABLE",
    "renouvellement_automatique": "RENOUVELLEMENT AUTOMATIQUE, pas de demande à examiner",
    "a_verifier": "À VÉRIFIER PAR L'AGENT",
}


def _lire(path: Path) -> Any:
    try:
        texte = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HouseholdError(f"Le fichier « {path} » n'existe pas.") from None
    except IsADirectoryError:
        raise HouseholdError(f"« {path} » est un répertoire, pas un fichier de foyer.") from None
    except UnicodeDecodeError:
        raise HouseholdError(f"Le fichier « {path} » n'est pas un texte UTF-8.") from None
    except OSError as exc:
        raise HouseholdError(
            f"Le fichier « {path} » est illisible ({exc.strerror or exc})."
        ) from None
    try:
        return json.loads(texte)
    except json.JSONDecodeError as exc:
        raise HouseholdError(
            f"Le fichier « {path} » n'est pas un JSON valide (ligne {exc.lineno}, colonne {exc.colno})."
        ) from None


def resume(resultat: dict[str, Any]) -> str:
    """Résumé lisible, en français, d'un résultat d'``evaluate``."""
    statut = resultat.get("recevabilite", {}).get("statut", "recevable")
    decision = DECISIONS.get(resultat["decision"], resultat["decision"])
    if statut in RECEVABILITE:
        decision = f"{RECEVABILITE[statut]} ({decision})"
    lignes = [
        f"Décision : {decision}",
        f"Foyer : {resultat['foyer']} personne{'s' if resultat['foyer'] > 1 else ''}",
        f"Ressources retenues : {euros(Decimal(str(resultat['ressources_retenues'])), True)}"
        f" (dont forfait logement {euros(Decimal(str(resultat['forfait_logement'])), True)})",
        f"Plafonds : {euros(Decimal(resultat['plafond_gratuite']))} sans participation, "
        f"{euros(Decimal(resultat['plafond_participation']))} avec participation "
        f"(barème du {resultat['regles']['bareme']})",
    ]
    if "periode_reference" in resultat:
        periode = resultat["periode_reference"]
        lignes.append(f"Période de référence : {periode['debut']} au {periode['fin']}")
    participation = resultat["participation_mensuelle"]
    if resultat["decision"] == PARTICIPATION:
        lignes.append(f"Participation mensuelle : {euros(Decimal(str(participation['total'])))}")
    lignes.append("")
    lignes.append("Explication :")
    lignes.extend(f"  - {phrase}" for phrase in resultat["explication"])
    if resultat["regles"].get("a_verifier"):
        lignes.append("")
        lignes.append("À vérifier :")
        lignes.extend(f"  - {point}" for point in resultat["regles"]["a_verifier"])
    lignes.append("")
    lignes.append("Sources :")
    lignes.extend(f"  - {source}" for source in resultat["regles"]["sources"])
    return "\n".join(lignes)


def run_cli(path: Path, as_json: bool, debug: bool = False) -> int:
    """Évalue le foyer du fichier ``path`` ; 0 si bon, 2 si le fichier est illisible ou invalide.

    Les erreurs tiennent en une phrase française sur stderr, sans trace de pile (sauf ``debug``).
    """
    try:
        resultat = evaluate(_lire(Path(path)))
    except HouseholdError as exc:
        chemin = f" (champ : {exc.chemin})" if exc.chemin else ""
        sys.stderr.write(f"{exc}{chemin}\n")
        return 2
    except (
        Exception
    ) as exc:  # pragma: no cover - filet de sécurité, la trace n'est utile qu'en débogage
        if debug:
            raise
        sys.stderr.write(f"Erreur interne du moteur d'éligibilité ({exc.__class__.__name__}).\n")
        return 1
    if as_json:
        sys.stdout.write(json.dumps(resultat, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(resume(resultat) + "\n")
    return 0
