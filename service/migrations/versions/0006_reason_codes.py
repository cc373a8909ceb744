"""Job reasons in the one vocabulary of reason codes (issue 10, point 3): dotted French.

A job row written before this revision keeps the English code it was failed or parked with
(``infra.database``, ``dossier.busy``…): it is renamed here, so its message is found and a
parked job still matches. The codes are written out (not imported from ``docproc.errors``):
a migration states what the database held at its time. Results already extracted keep the
codes of their checks until re-extracted (they are sealed: ``POST /dossiers/{id}/reextract``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: The job reasons renamed: older code -> code of this revision.
RENAMED = {
    "file.timeout": "fichier.delai",
    "file.resource_limit": "fichier.ressources",
    "extraction.internal": "interne",
    "internal": "interne",
    "worker.abandoned": "traitement.abandonne",
    "dossier.busy": "dossier.occupe",
    "infra.database": "infra.base_de_donnees",
    "infra.redis": "infra.file_attente",
    "infra.storage": "infra.stockage",
    "infra.injected": "infra.simulee",
    "file.empty": "fichier.vide",
    "file.too_large": "fichier.taille",
    "file.unsupported_type": "fichier.type",
    "file.malformed": "fichier.endommage",
    "file.polyglot": "fichier.polyglotte",
    "pdf.encrypted": "pdf.chiffre",
    "pdf.too_many_pages": "pdf.trop_de_pages",
    "image.too_large": "image.trop_grande",
    "image.unreadable": "image.illisible",
    "image.too_many_frames": "image.trop_de_pages",
    "ocr.failed": "ocr.echec",
}

_JOBS = sa.table("jobs", sa.column("reason", sa.String))


def _rename(pairs: dict[str, str]) -> None:
    for old, new in pairs.items():
        op.execute(_JOBS.update().where(_JOBS.c.reason == old).values(reason=new))


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    back = {new: old for old, new in RENAMED.items() if old != "internal"}
    _rename(back)
