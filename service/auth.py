"""API keys and roles.

``pipeline`` creates dossiers, uploads, and reads, declares the household of and deletes its
own dossiers; ``agent`` reads all, re-extracts, corrects the household and deletes; ``qa``
reads. A dossier a client may not see does not exist for it (404, not 403).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from service.api_keys import ApiKey, Role


@dataclass(frozen=True)
class Client:
    name: str
    role: Role

    def sees(self, owner: str) -> bool:
        return self.role != "pipeline" or owner == self.name


class KeyRing:
    """Looks a bearer key up by its SHA-256, then compares in constant time."""

    def __init__(self, keys: tuple[ApiKey, ...]) -> None:
        self._by_digest = {hashlib.sha256(k.key.encode()).digest(): k for k in keys}

    def __len__(self) -> int:
        return len(self._by_digest)

    def identify(self, authorization: str | None) -> Client | None:
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 512:
            return None
        key = self._by_digest.get(hashlib.sha256(token.encode()).digest())
        if key is None or not hmac.compare_digest(key.key.encode(), token.encode()):
            return None
        return Client(name=key.name, role=key.role)

    def clients(self) -> dict[str, Client]:
        """Every configured client by name (the agents' web sessions are checked against it)."""
        return {k.name: Client(name=k.name, role=k.role) for k in self._by_digest.values()}


#: Which roles may do what.
CAN_CREATE: frozenset[Role] = frozenset({"pipeline"})
CAN_UPLOAD: frozenset[Role] = frozenset({"pipeline"})
CAN_READ: frozenset[Role] = frozenset({"pipeline", "agent", "qa"})
CAN_REEXTRACT: frozenset[Role] = frozenset({"agent"})
CAN_DECLARE: frozenset[Role] = frozenset({"pipeline", "agent"})
CAN_DELETE: frozenset[Role] = frozenset({"pipeline", "agent"})
CAN_REVIEW: frozenset[Role] = frozenset({"agent"})  # correct a field, decide on a document
CAN_SEE_REVIEW: frozenset[Role] = frozenset({"agent", "qa"})  # page images, corrections, audit
