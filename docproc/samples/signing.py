"""Sign the 2D-Doc of a synthetic avis with the ANTS test key FR00/0001 (published on purpose)."""

from __future__ import annotations

from datetime import date
from typing import Any

from docproc.samples.avis import AvisData


def code_values(d: AvisData) -> dict[str, str]:
    """The data identifiers an avis d'impôt code carries (type 28), from the true values."""
    values = {
        "44": d.reference_avis,
        "45": str(d.annee_revenus),
        "46": d.declarants[0].identite,
        "47": d.declarants[0].numero_fiscal,
        "43": f"{d.nombre_parts:.2f}".replace(".", ","),
        "4A": d.date_mise_en_recouvrement.strftime("%d%m%Y"),
        "41": str(d.revenu_fiscal_reference),
        "4V": str(d.impot_revenu_net),
        "4W": str(max(d.montant_impot, 0)),
    }
    if len(d.declarants) > 1:
        values["48"] = d.declarants[1].identite
        values["49"] = d.declarants[1].numero_fiscal
    return values


def code_for(d: AvisData) -> Any:
    from docproc import twoddoc
    from docproc.twoddoc.trust_bundle import fr00_test_key_pem

    payload = twoddoc.build_payload(
        code_values(d),
        doc_type="28" if d.kind == "avis_impot_revenu" else "24",
        issue_date=d.date_etablissement,
        signature_date=d.date_etablissement,
        key_pem=fr00_test_key_pem(),
    )
    return twoddoc.render_datamatrix(payload, module_px=4)


__all__ = ["code_for", "code_values", "date"]
