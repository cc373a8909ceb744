"""docproc: lecture et contrôle des justificatifs de la Complémentaire santé solidaire."""

__version__ = "0.1.0"
