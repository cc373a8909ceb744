"""Issue 12 §8: the whole hostile corpus through ``docproc extract`` — 100 % clean verdicts.

Files go through the real CLI in a few batches (one sandbox per batch, reused across files);
each file is refused with its expected code or read, the exit status is 0 (a rejection is a
result), stderr holds no traceback, and the CLI process stays under a memory ceiling.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docproc.hostile.corpus import corpus

pytestmark = pytest.mark.adversarial

#: The CLI process itself (not its sandbox) must stay under this peak resident memory.
CLI_MAX_RSS_MB = 600
#: And under this address space, as a hard ceiling (the sandbox sets a lower cap of its own).
CLI_MAX_AS_MB = 6144
BATCHES = 3

_RUN = (
    "import resource, sys\n"
    "from cli.main import main\n"
    "rc = main(sys.argv[1:])\n"
    "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


def _ceiling() -> None:
    import resource

    limit = CLI_MAX_AS_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_corpus_is_large_and_varied() -> None:
    items = corpus()
    assert len(items) >= 100
    assert len({i.name for i in items}) == len(items)
    families = {i.family for i in items}
    assert {"structure", "actif", "polyglotte", "image", "casse", "nom", "normal"} <= families
    assert all(len(i.data) <= 2 * 1024 * 1024 or i.expected == "fichier.taille" for i in items)
    # the ones the issue names
    names = {i.name for i in items}
    assert {
        "xobject_rires_9x10.pdf",
        "flate_bombe_1go_contenu.pdf",
        "actif_openaction_javascript_objstm.pdf",
        "actif_openaction_javascript_hex.pdf",
        "actif_annotation_lien_uri.pdf",
        "pdf_puis_html_script.pdf",
        "zip_en_commentaire_rembourrage_70ko.pdf",
        "jpeg_php_commentaire.jpg",
        "tiff_60_pages.tif",
    } <= names
    # (name, data, expected) unpacking, for callers that want plain tuples
    name, data, expected = items[0]
    assert isinstance(name, str) and isinstance(data, bytes)


def test_every_file_through_the_cli_has_a_clean_verdict(tmp_path: Path) -> None:
    items = corpus()
    paths = []
    for k, item in enumerate(items):
        folder = tmp_path / f"{k:03d}"  # one folder per file: any name, no collision
        folder.mkdir()
        path = folder / item.name
        path.write_bytes(item.data)
        paths.append(path)
    env = dict(os.environ, DOCPROC_TRUST_TEST_2DDOC="1")
    size = -(-len(items) // BATCHES)
    wrong: list[str] = []
    for start in range(0, len(items), size):
        batch = list(range(start, min(start + size, len(items))))
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                _RUN,
                "extract",
                "--json",
                "-q",
                *[str(paths[i].resolve()) for i in batch],
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
            preexec_fn=_ceiling,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
        peak_kb = int(proc.stderr.rsplit("PEAK_RSS_KB", 1)[1].split()[0])
        assert peak_kb < CLI_MAX_RSS_MB * 1024, f"CLI peak RSS {peak_kb // 1024} MB"
        out = json.loads(proc.stdout)
        assert len(out["files"]) == len(batch)
        for i, report in zip(batch, out["files"], strict=True):
            item = items[i]
            assert report["name"] == item.name
            failed = [c for c in report["checks"] if not c["ok"] and c["level"] == "critical"]
            got = failed[0]["code"] if failed else None
            if got != item.expected:
                wrong.append(f"{item.name!r}: {got} (attendu {item.expected})")
            if failed:
                assert not report["accepted"]
                assert failed[0]["message"] and "Traceback" not in failed[0]["message"]
            else:
                assert report["accepted"], item.name
    assert not wrong, "\n".join(wrong)


def test_bench_reports_time_and_peak_memory_per_file() -> None:
    from bench.hostile_reading import bench_hostile

    out = bench_hostile(families={"polyglotte", "structure"})
    rows = out["per_file"]
    assert out["files"] == len(rows) > 20 and out["clean_verdicts"] == out["files"]
    assert all(r["ms"] >= 0 and r["peak_mb"] and r["peak_mb"] > 10 for r in rows)
    assert {"file", "family", "bytes", "verdict", "expected", "ms", "peak_mb"} <= set(rows[0])
    assert out["max_peak_mb"] < 2048  # under the sandbox's address-space cap
