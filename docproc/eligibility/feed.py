"""Ancien nom de ``alimentation`` (le service l'importe encore) : ``household_from_documents``."""

from __future__ import annotations

from .alimentation import household_from_documents

__all__ = ["household_from_documents"]
