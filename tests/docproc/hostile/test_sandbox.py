"""Issue 12 §1: every file is read in a long-lived, capped sandbox process.

A child that overruns its wall time or CPU time, or dies, gives that file ``fichier.ressources``
and the next file is read by a fresh child; the child is reused across files; it inherits
neither sockets nor the parent's secrets.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from docproc import sandbox as sandbox_module
from docproc import sandbox_answers as answers
from docproc.errors import DocprocError
from docproc.models import PageText, Segment, Upload
from docproc.pipeline import extract
from docproc.sandbox import Sandbox
from docproc.sandbox_env import child_environment
from docproc.settings import get_settings
from tests.conftest import SAMPLES

pytestmark = pytest.mark.adversarial
AVIS = SAMPLES / "avis_2025_couple_4p.pdf"
PHOTO = SAMPLES / "photo_avis_2023_retraitee_2p" / "avis_page1.jpg"
SCAN = SAMPLES / "scan_avis_2024_pacses_3p" / "avis.pdf"  # three pages of OCR: seconds of CPU


@pytest.fixture()
def box() -> Sandbox:
    sb = Sandbox()
    yield sb  # type: ignore[misc]
    sb.close()


def _read(sb: Sandbox, path: Path, **overrides: object) -> tuple[int, list[object]]:
    settings = replace(get_settings(), **overrides)  # type: ignore[arg-type]
    media = "application/pdf" if path.suffix == ".pdf" else "image/jpeg"
    return sb.read(path.read_bytes(), path.name, media, settings)  # type: ignore[return-value]


def test_one_child_is_reused_across_files(box: Sandbox) -> None:
    n, pages = _read(box, AVIS)
    pid = box.pid
    assert n == 4 and len(pages) == 4 and pid is not None
    _read(box, AVIS)
    assert box.pid == pid and box.files == 2 and box.restarts == 0


def test_wall_timeout_refuses_the_file_and_the_next_one_is_read(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(DocprocError) as err:
        _read(box, PHOTO, sandbox_timeout_s=0.3)  # OCR of a photo takes longer
    assert err.value.reason.value == "fichier.ressources"
    assert "durée" in err.value.data["cause"]
    assert "mémoire ou de temps" in err.value.message
    assert any("fichier.ressources" in r.getMessage() for r in caplog.records)
    n, _ = _read(box, AVIS)
    assert n == 4 and box.restarts == 1


def test_cpu_cap_kills_the_child_cleanly(box: Sandbox) -> None:
    with pytest.raises(DocprocError) as err:
        _read(box, SCAN, sandbox_cpu_s=1)
    assert err.value.reason.value == "fichier.ressources"
    assert "calcul" in err.value.data["cause"]
    assert _read(box, AVIS)[0] == 4


def test_a_child_killed_mid_file_gives_a_clean_rejection(box: Sandbox) -> None:
    _read(box, AVIS)
    pid = box.pid
    assert pid is not None
    threading.Timer(0.3, os.kill, (pid, signal.SIGKILL)).start()
    with pytest.raises(DocprocError) as err:
        _read(box, PHOTO)
    assert err.value.reason.value == "fichier.ressources" and "SIGKILL" in err.value.data["cause"]
    assert _read(box, AVIS)[0] == 4 and box.pid != pid


def test_a_child_dead_between_files_is_replaced_silently(box: Sandbox) -> None:
    _read(box, AVIS)
    pid = box.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert _read(box, AVIS)[0] == 4 and box.pid != pid and box.restarts == 0


def test_memory_cap_is_set_in_the_child(box: Sandbox) -> None:
    _read(box, AVIS, sandbox_memory_mb=1500)
    limits = Path(f"/proc/{box.pid}/limits").read_text()
    line = next(li for li in limits.splitlines() if li.startswith("Max address space"))
    assert str(1500 * 1024 * 1024) in line


def test_child_inherits_no_socket_and_no_secret(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:motdepasse@db/docproc")
    monkeypatch.setenv("REDIS_URL", "redis://:secret@localhost:6379/0")
    monkeypatch.setenv("DOCPROC_STORAGE_KEY", "c2VjcmV0")
    monkeypatch.setenv("DOCPROC_API_KEYS", "a:pipeline:k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        os.set_inheritable(listener.fileno(), True)  # even an inheritable socket stays behind
        _read(box, AVIS)
        pid = box.pid
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        names = {e.split(b"=", 1)[0].decode() for e in environ if e}
        assert not names & {
            "DATABASE_URL",
            "REDIS_URL",
            "DOCPROC_STORAGE_KEY",
            "DOCPROC_API_KEYS",
            "AWS_SECRET_ACCESS_KEY",
        }
        assert "DOCPROC_TRUST_TEST_2DDOC" in names  # ordinary settings still pass
        fds = os.listdir(f"/proc/{pid}/fd")
        targets = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds]
        assert not [t for t in targets if t.startswith("socket:")], targets
    finally:
        listener.close()


def test_child_environment_drops_secret_names() -> None:
    env = child_environment(
        {
            "PATH": "/bin",
            "DATABASE_URL": "x",
            "REDIS_URL": "x",
            "DOCPROC_MAX_PAGES": "3",
            "DOCPROC_API_KEYS_FILE": "/k",
            "MY_TOKEN": "t",
            "GITHUB_PASSWORD": "p",
            "SENTRY_DSN": "d",
        }
    )
    assert env["PATH"] == "/bin" and env["DOCPROC_MAX_PAGES"] == "3"
    assert not {
        "DATABASE_URL",
        "REDIS_URL",
        "DOCPROC_API_KEYS_FILE",
        "MY_TOKEN",
        "GITHUB_PASSWORD",
        "SENTRY_DSN",
    } & set(env)


def test_the_rest_of_the_dossier_goes_on_after_an_overrun(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_SANDBOX_TIMEOUT_S", "0.3")
    result = extract(
        [Upload("photo.jpg", PHOTO.read_bytes()), Upload("avis.pdf", AVIS.read_bytes())],
        date(2025, 10, 1),
    ).to_contract()
    first, second = result["files"]
    assert not first["accepted"] and [c["code"] for c in first["checks"] if not c["ok"]] == [
        "fichier.ressources"
    ]
    assert second["accepted"] and result["documents"][0]["kind"] == "avis_impot_revenu"


def test_cli_survives_an_overrun_and_says_so_in_one_line(tmp_path: Path) -> None:
    env = dict(os.environ, DOCPROC_SANDBOX_CPU_S="1", DOCPROC_TRUST_TEST_2DDOC="1")
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "extract", "--json", "-q", str(SCAN), str(AVIS)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [f["accepted"] for f in out["files"]] == [False, True]
    assert out["files"][0]["checks"][-1]["code"] == "fichier.ressources"
    lines = [li for li in proc.stderr.splitlines() if "fichier.ressources" in li]
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "« avis.pdf »" in lines[0] and "calcul" in lines[0]


def test_sandbox_off_reads_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_SANDBOX", "0")
    monkeypatch.setattr(sandbox_module, "get_sandbox", lambda: pytest.fail("sandbox used"))
    result = extract([Upload("avis.pdf", AVIS.read_bytes())], date(2025, 10, 1)).to_contract()
    assert result["files"][0]["accepted"]


def test_answers_of_the_child_are_data_never_code() -> None:
    """A compromised child must not run code in the caller through its answer (pickle)."""
    import pickle

    class Evil:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError):
        answers.safe_loads(pickle.dumps(("ok", 1, [Evil()])))
    import numpy as np

    with pytest.raises(pickle.UnpicklingError):
        answers.safe_loads(pickle.dumps(("err", "fichier.endommage", "x", {"n": np.float64(1.5)})))
    page = answers.plain_pages(
        [
            PageText(
                "a.pdf",
                1,
                "ocr",
                [Segment("x", np.float64(0.1), 0.2, 0.3, 0.4, np.float32(0.9))],
                quality={"blur": np.float64(3000.0)},
                image=object(),
            )
        ]
    )
    back = answers.safe_loads(pickle.dumps(("ok", 1, page)))
    assert back[2][0].segments[0].x0 == pytest.approx(0.1) and back[2][0].image is None
    assert type(back[2][0].quality["blur"]) is float


def test_a_malformed_answer_is_a_clean_rejection(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _read(box, AVIS)
    monkeypatch.setattr(answers, "safe_loads", lambda raw: ("ok", "not a count", None))
    with pytest.raises(DocprocError) as err:
        _read(box, AVIS)
    assert (
        err.value.reason.value == "fichier.ressources"
        and "réponse refusée" in err.value.data["cause"]
    )


def test_child_has_no_network_namespace_of_ours(box: Sandbox) -> None:
    _read(box, AVIS)
    ours = os.readlink("/proc/self/ns/net")
    theirs = os.readlink(f"/proc/{box.pid}/ns/net")
    if ours == theirs:
        pytest.skip(
            "unprivileged network namespaces refused by this kernel (close_fds and the guard remain)"
        )
    assert theirs != ours


@pytest.mark.parametrize("memory_mb", [300, 450, 500])
def test_a_file_over_the_memory_cap_is_fichier_ressources(box: Sandbox, memory_mb: int) -> None:
    """Whatever the way memory runs out (MemoryError, a thread that cannot start, a bitmap
    PDFium cannot allocate, an abort), the file gets fichier.ressources and the next one is read."""
    with pytest.raises(DocprocError) as err:
        _read(box, SCAN, sandbox_memory_mb=memory_mb)
    assert err.value.reason.value == "fichier.ressources", err.value.data
    assert _read(box, AVIS)[0] == 4


# -- page images rendered in the child (the agents' GET .../pages/{n}.png) -----------------


def test_render_gives_pixels_of_a_page_and_none_past_the_end(box: Sandbox) -> None:
    settings = get_settings()
    px = box.render(AVIS.read_bytes(), "application/pdf", 2, 72, settings)
    assert px is not None
    w, h, mode, raw = px
    assert mode == "RGB" and 500 < w < 700 and 700 < h < 900 and len(raw) == w * h * 3
    assert box.render(AVIS.read_bytes(), "application/pdf", 5, 72, settings) is None
    photo = box.render(PHOTO.read_bytes(), "image/jpeg", 1, 50, settings)
    assert photo is not None and photo[2] == "RGB" and photo[0] == int(8.27 * 50)
    assert box.render(PHOTO.read_bytes(), "image/jpeg", 2, 50, settings) is None
    assert box.restarts == 0


def test_render_of_a_hostile_file_is_a_clean_rejection(box: Sandbox) -> None:
    from tests.docproc.hostile.corpus import corpus

    items = {i.name: i for i in corpus()}
    settings = get_settings()
    for name in (
        "xobject_rires_9x10.pdf",
        "flate_bombe_1go_contenu.pdf",
        "actif_openaction_javascript_objstm.pdf",
    ):
        with pytest.raises(DocprocError) as err:
            box.render(items[name].data, "application/pdf", 1, 100, settings)
        assert err.value.reason.value == items[name].expected, name
    pid = box.pid
    with pytest.raises(DocprocError) as err:  # an overrun: the child goes, the caller stays
        box.render(
            SCAN.read_bytes(), "application/pdf", 1, 200, replace(settings, sandbox_timeout_s=0.01)
        )
    assert err.value.reason.value == "fichier.ressources" and "durée" in err.value.data["cause"]
    assert box.render(AVIS.read_bytes(), "application/pdf", 1, 50, settings) is not None
    assert box.pid != pid


def test_render_answers_are_checked() -> None:
    ok = answers.render_well_formed
    assert ok(("px", 2, 1, "L", b"ab")) and ok(("px", 1, 1, "RGB", b"abc")) and ok(("absent",))
    assert ok(("err", "fichier.ressources", "m", {}))
    assert not ok(("px", 2, 2, "L", b"ab"))  # fewer bytes than pixels
    assert not ok(("px", 1, 1, "CMYK", b"abcd"))  # a mode the API does not take
    assert not ok(("px", 10**5, 10**5, "L", b"a"))  # over the pixel cap
    assert (
        not ok(("px", True, 1, "L", b"a"))
        and not ok(("absent", 1))
        and not ok(("err", "nope", "m", {}))
    )


def test_a_child_started_from_a_short_lived_thread_outlives_it(box: Sandbox) -> None:
    """PR_SET_PDEATHSIG follows the forking *thread*: the API renders in a thread pool whose
    idle threads exit, so children are forked from one long-lived thread."""
    settings = get_settings()
    worker = threading.Thread(
        target=box.render, args=(AVIS.read_bytes(), "application/pdf", 1, 50, settings)
    )
    worker.start()
    worker.join()
    pid = box.pid
    assert pid is not None
    time.sleep(0.5)
    assert box.render(AVIS.read_bytes(), "application/pdf", 1, 50, settings) is not None
    assert box.pid == pid and box.restarts == 0


def _child_nices(pid: int) -> set[int]:
    """The nice level of every thread of the child (``/proc/PID/task/TID/stat``, field 19)."""
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text().rsplit(")", 1)[1].split()
        out.add(int(stat[16]))
    return out


def test_the_child_reads_at_the_priority_of_the_calling_thread(box: Sandbox) -> None:
    """A worker's batch job runs niced: the reading it asks of the sandbox must run niced too,
    or batch OCR keeps the cores from an upload (issue 15 point 2)."""
    _read(box, AVIS)  # started, at the caller's level (0)
    assert box.pid is not None
    assert _child_nices(box.pid) == {0}
    seen: list[set[int]] = []

    def batch_job() -> None:
        os.setpriority(os.PRIO_PROCESS, 0, 7)  # this thread only, as DocprocWorker does
        _read(box, PHOTO)  # OCR: the child's pool threads exist by now
        assert box.pid is not None
        seen.append(_child_nices(box.pid))

    t = threading.Thread(target=batch_job)
    t.start()
    t.join()
    assert seen == [{7}]
    try:  # back to 0 needs the right to lower a nice level (root, or LimitNICE=+0)
        os.setpriority(os.PRIO_PROCESS, 0, 1)
        os.setpriority(os.PRIO_PROCESS, 0, 0)
    except OSError:
        pytest.skip("no right to lower a nice level here")
    _read(box, AVIS)
    assert _child_nices(box.pid) == {0}
