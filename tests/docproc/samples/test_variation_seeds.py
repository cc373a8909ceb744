"""Seeds the committed samples never drew: the parser must read layouts it was not tuned on.

The committed variation samples use seeds 1–6; here the same documents are drawn again with
other seeds (other block positions, wordings, fonts, sizes, separators, banner colours) and
read exactly, or left missing — never wrong.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from docproc import qa
from docproc.samples.catalog import cases
from docproc.samples.dgfip_style import Style
from docproc.samples.generate import write_case

SEEDS = range(7, 19)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> qa.QAReport:
    out: Path = tmp_path_factory.mktemp("seeds")
    base = [c for c in cases() if c.name.startswith("reel_variation")]
    assert base
    for seed in SEEDS:
        case = base[seed % len(base)]
        style = Style.variation(seed)
        doc = replace(case.files[0][1][0][0], style=style)
        pages = [(doc, n) for _, n in case.files[0][1]]
        write_case(
            replace(
                case,
                name=f"seed{seed}_{case.name}",
                files=[("a.pdf", pages)],
                font=style.font,
                sep=style.sep,
            ),
            out,
        )
    return qa.run(out)


def test_unseen_variations_are_read_exactly(report: qa.QAReport) -> None:
    assert report.samples == len(SEEDS)
    assert report.mismatches == []
