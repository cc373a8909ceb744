"""French sentences for every verdict other than "signature verified".

They go to the person who uploaded: no personal data, only the authority and certificate
ids, the document type and dates of the code itself.
"""

from __future__ import annotations

REASONS: dict[str, str] = {
    "signature_absente": "Le code 2D-Doc ne contient pas de signature.",
    "signature_illisible": "La signature du code 2D-Doc est illisible.",
    "type_non_pris_en_charge": "Le code 2D-Doc est de type {doc_type}, qui n'est pas un avis fiscal pris en charge.",
    "perimetre_non_pris_en_charge": "Le code 2D-Doc n'appartient pas au périmètre de l'ANTS (périmètre {perimeter}).",
    "pays_non_pris_en_charge": "Le code 2D-Doc a été émis hors de France (pays {country}).",
    "autorite_de_test": "Le code 2D-Doc est signé par l'autorité de test FR00 de l'ANTS, dont la clé est "
    "publique : il n'est pas reconnu comme authentique.",
    "certificat_de_test": "Le code 2D-Doc est signé avec le certificat 0000, réservé aux essais de "
    "l'autorité {authority} : il n'est pas reconnu comme authentique.",
    "autorite_inconnue": "L'autorité de certification {authority} du code 2D-Doc ne figure pas dans la liste "
    "de confiance de l'ANTS.",
    "autorite_inactive": "L'autorité de certification {authority} du code 2D-Doc n'est plus reconnue par "
    "l'ANTS.",
    "non_verifiable_hors_ligne": "Signature non vérifiable hors ligne : le certificat {authority}/{certificate} du "
    "code 2D-Doc n'est pas dans le cache de confiance local.",
    "certificat_non_reconnu": "Le certificat {authority}/{certificate} du code 2D-Doc n'a pas été délivré par "
    "l'autorité {authority} de la liste de confiance de l'ANTS.",
    "date_signature_absente": "Le code 2D-Doc ne porte pas de date de signature.",
    "date_signature_hors_validite": "Le code 2D-Doc a été signé le {signature_date}, en dehors de la période de validité "
    "du certificat {authority}/{certificate}.",
    "date_signature_future": "Le code 2D-Doc porte une date de signature future ({signature_date}).",
    "algorithme_non_pris_en_charge": "Le certificat {authority}/{certificate} utilise un algorithme de signature non pris "
    "en charge.",
    "signature_invalide": "La signature du code 2D-Doc ne correspond pas à son contenu : le code a été modifié "
    "ou n'a pas été émis par l'autorité indiquée.",
}


def reason_text(code: str, **values: str) -> str:
    return REASONS[code].format(**values)
