"""``docproc bench``: speed measured as ratios within one run, one module per section
(``cold_start``, ``text``, ``twoddoc``, ``ocr``, ``hostile``, ``service`` with ``scale``).
It may import ``docproc`` and ``service``; neither imports it."""
