"""Foyers d'exemple pour la démonstration (``docproc eligibility FICHIER.json``)."""
