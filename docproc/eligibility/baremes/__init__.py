"""Barèmes de la complémentaire santé solidaire, sous forme de fichiers TOML (données, pas de code)."""
