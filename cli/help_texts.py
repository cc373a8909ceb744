"""The French epilogues of ``docproc --help`` and of its subcommands' help (examples, exit codes,
environment variables)."""

from __future__ import annotations

MAIN_EPILOG = """exemples :
  docproc extract samples/avis_2025_couple_4p.pdf --json --date 2025-10-01
  docproc qa samples --html qa-report.html --baseline qa-precedent.json
  docproc eligibility docproc/eligibility/examples/famille.json
  docproc settings

codes de sortie :
  0  succès (un document refusé est un résultat, pas une erreur)
  1  erreur interne (une phrase sur stderr ; la trace avec --debug) ;
     pour qa : une valeur requise au moins est fausse (contrat §2)
  2  usage incorrect ou fichier/dossier d'entrée illisible
  3  qa : une famille sous sa cible, ou une régression depuis --baseline

variables d'environnement (voir « docproc settings ») :
  DOCPROC_TRUST_TEST_2DDOC=1  faire confiance à l'autorité de TEST FR00 de l'ANTS
                              (les échantillons en sont signés ; jamais en production)
  DOCPROC_MAX_BYTES, DOCPROC_MAX_PAGES, DOCPROC_MAX_IMAGE_PIXELS, DOCPROC_MAX_FRAMES,
  DOCPROC_SPEC_DIRS           limites et specs supplémentaires de la bibliothèque
  DOCPROC_SETTINGS_FILE       fichier TOML des réglages du service
  DOCPROC_API_KEYS, REDIS_URL, DATABASE_URL, DOCPROC_DATA_DIR  service (serve, worker, up)"""

EXTRACT_EPILOG = """exemples :
  docproc extract avis.pdf
  docproc extract page_1.jpg page_2.jpg page_3.jpg --json --date 2025-10-01

Les fichiers sont les envois d'un même dossier : les pages d'un avis réparties sur plusieurs
fichiers sont regroupées. Tous les chemins sont vérifiés avant la lecture (code 2 sinon).
Sans DOCPROC_TRUST_TEST_2DDOC=1, le 2D-Doc des échantillons (clé de test) n'est pas reconnu.

Chaque fichier est lu dans un processus « bac à sable » limité en mémoire, en temps de calcul
et en durée (DOCPROC_SANDBOX_*) : un fichier qui dépasse est refusé (fichier.ressources, une
ligne sur stderr) et les autres sont lus. Un refus est un résultat : code de sortie 0."""


QA_EPILOG = """exemples :
  docproc qa samples --html qa-report.html
  docproc qa samples --json > qa-precedent.json      # une référence
  docproc qa samples --baseline qa-precedent.json    # ce qui a changé depuis

codes de sortie :
  0  toutes les familles atteignent leurs cibles et aucun champ requis n'est faux
  1  une valeur requise au moins est fausse (contrat §2 ; une valeur laissée
     absente avec sa raison n'est pas fausse : elle compte dans la cible) — ou erreur interne ;
     prime sur 3 quand les deux s'appliquent
  2  usage incorrect : dossier introuvable, dossier du rapport --html inexistant,
     --baseline illisible (tout est vérifié avant de lancer les extractions)
  3  aucun champ requis faux, mais une famille est sous sa cible ou, avec --baseline,
     une régression : un taux en baisse ou un nouvel écart sur un échantillon déjà mesuré
     (contrat §6)

familles (clé « family » de NAME.expected.json, sinon « variant ») et cibles :
  text 100 % des champs, scan ≥ 98 %, photo et screenshot ≥ 95 %, variation 100 % ;
  décisions de complétude 100 % partout ; 2D-Doc décodé sur ≥ 98 % des scans et photos
  qui en portent un. Une famille sans échantillon est « absente », ni réussie ni échouée."""
