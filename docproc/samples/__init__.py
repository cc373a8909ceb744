"""The project's own synthetic justificatifs: invented people, valid-format numbers."""
