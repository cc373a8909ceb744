"""Field extraction driven by the declarative per-kind specs in ``docproc/specs``."""
