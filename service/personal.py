"""The one place where the review's personal values are written to and read from the database.

Corrections (value, machine value, reason), decisions (reason) and audit rows (old value,
new value, reason) hold personal data. Every write goes through ``ReviewSeal.seal`` and every
read through ``ReviewSeal.unseal``: the value is sealed under the dossier's own data key
(``service.sealed``, the scheme of the dossiers' and files' personal columns), authenticated
with its place (dossier id, ``table.column``, row id), and stored as bytes in the row's
``*_sealed`` column. Deleting the dossier row shreds them with the rest.

The value is sealed inside a one-element list, so that a missing value (``None``: no machine
value, no previous value) is sealed too and cannot be told apart from a present one.

Usage, with the dossier row at hand (its ``data_key`` column)::

    sealing = ReviewSeal.of(service.sealer, dossier)
    row.value_sealed = sealing.seal("corrections.value", row.id, 26000)
    value = sealing.unseal("corrections.value", row.id, row.value_sealed)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.sealed import Sealer, SealError

if TYPE_CHECKING:
    from service.db import Dossier

#: The sealed columns, by the name their associated data carries.
COLUMNS = (
    "corrections.value",
    "corrections.machine_value",
    "corrections.reason",
    "decisions.reason",
    "audit.old_value",
    "audit.new_value",
    "audit.reason",
)


@dataclass(frozen=True)
class ReviewSeal:
    """Seal and open the review's personal values of one dossier."""

    sealer: Sealer
    dossier_id: str
    #: The dossier's data key as stored in ``dossiers.data_key`` (wrapped by the master key).
    wrapped_key: bytes

    @classmethod
    def of(cls, sealer: Sealer, dossier: Dossier) -> ReviewSeal:
        return cls(sealer, dossier.id, dossier.data_key or b"")

    def seal(self, column: str, row_id: str, value: Any) -> bytes:
        """The stored form of ``value`` (any JSON value, ``None`` included) for ``column`` of ``row_id``."""
        if column not in COLUMNS:
            raise ValueError(f"colonne non scellée : {column}")
        sealed = self.sealer.seal(self.wrapped_key, self.dossier_id, column, row_id, [value])
        assert sealed is not None  # a list is never None
        return sealed

    def unseal(self, column: str, row_id: str, stored: bytes | None) -> Any:
        """The value ``seal`` stored; ``None`` for an absent column."""
        if stored is None:
            return None
        opened = self.sealer.open(self.wrapped_key, self.dossier_id, column, row_id, stored)
        if not isinstance(opened, list) or len(opened) != 1:
            raise SealError("valeur de revue scellée de forme inattendue")
        return opened[0]
