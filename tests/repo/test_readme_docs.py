"""README for a fresh clone (issue 14, point 3): no link outside the repository, the test-key
switch explained at the first example, the contract in docs/, an English section."""

from __future__ import annotations

import re

from tests import paths

ROOT = paths.ROOT
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_links_stay_inside_the_repository() -> None:
    assert "../shared" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target


def test_contract_is_in_docs() -> None:
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    for heading in (
        "## 2. Command line",
        "## 3. `docproc extract --json` output",
        "## 4. HTTP API",
        "## 5. Eligibility engine",
        "## 6. Additions",
    ):
        assert heading in contract
    assert "docs/contract.md" in README


def test_test_key_switch_is_explained_at_the_first_example() -> None:
    first = README.index("docproc extract")
    switch = README.index("DOCPROC_TRUST_TEST_2DDOC")
    assert switch < first + 600 and "clé de **test**" in README[first : first + 900]


def test_english_section_and_operators_and_agents() -> None:
    assert (
        "## In English" in README and "## Exploitation" in README and "## Pour les agents" in README
    )
    assert "rq info" in README and "docproc settings" in README and "storage.key" in README
