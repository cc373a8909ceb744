"""``docproc demo``: the whole service end to end on the synthetic samples, through HTTP.

Starts ``docproc up`` in a temporary data directory, uploads the samples as the upload
pipeline would (one dossier per household, one request per file), waits for the jobs and
prints a French summary per dossier and the address of the agents' pages with a key to sign in
with (in a terminal, the service stays up until Entrée), then stops everything it started.

How samples are grouped into dossiers (by file-name prefix):

* ``NAME.pdf`` (or an image) at the top of the directory: dossier ``NAME``, one file;
* ``NAME/`` (a directory): dossier ``NAME``; each file in it is one upload (an avis whose pages
  were scanned into several files); the order is that of ``NAME.expected.json``'s ``files``
  when present, else alphabetical;
* ``NAME__PART.pdf`` (double underscore): every file whose name starts with ``NAME__`` goes to
  dossier ``NAME`` (several documents of one household);
* ``NAME.household.json``: the household declared for dossier ``NAME`` (contract §5); with it
  the eligibility decision is shown;
* ``NAME.expected.json``: its ``request_date`` becomes the dossier's request date.

The samples are signed with the ANTS test authority FR00, so the demo's service runs with
``DOCPROC_TRUST_TEST_2DDOC=1`` (contract §2); production never sets it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from docproc.labels import STATUS_LABELS, kind_label, twoddoc_line
from docproc.labels import fields_line as _fields_line
from docproc.labels import money as _money

UPLOAD_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".webp"}
DECISIONS = {
    "css_gratuite": "CSS sans participation (gratuite)",
    "css_participation": "CSS avec participation financière",
    "non_eligible": "non éligible à la CSS",
}
JOB_TIMEOUT_S = 180.0


@dataclass
class SampleDossier:
    name: str
    files: list[Path] = field(default_factory=list)
    household: Path | None = None
    request_date: str | None = None


def group_samples(samples_dir: Path) -> list[SampleDossier]:
    """Samples → dossiers, by file-name prefix (see the module docstring)."""
    groups: dict[str, SampleDossier] = {}

    def get(name: str) -> SampleDossier:
        return groups.setdefault(name, SampleDossier(name))

    for path in sorted(samples_dir.iterdir()):
        if path.is_dir() and not path.name.startswith("."):
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in UPLOAD_SUFFIXES)
            if files:
                get(path.name).files.extend(
                    _ordered(files, samples_dir / f"{path.name}.expected.json")
                )
        elif path.suffix.lower() in UPLOAD_SUFFIXES:
            get(path.stem.split("__", 1)[0]).files.append(path)
    for dossier in groups.values():
        household = samples_dir / f"{dossier.name}.household.json"
        dossier.household = household if household.is_file() else None
        expected = samples_dir / f"{dossier.name}.expected.json"
        if expected.is_file():
            with contextlib.suppress(ValueError, OSError):
                dossier.request_date = json.loads(expected.read_text(encoding="utf-8")).get(
                    "request_date"
                )
    return [g for g in groups.values() if g.files]


def _ordered(files: list[Path], expected: Path) -> list[Path]:
    try:
        order = json.loads(expected.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError):
        return files
    rank = {name: i for i, name in enumerate(order)}
    return sorted(files, key=lambda p: (rank.get(p.name, len(rank)), p.name))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _up_command() -> list[str]:
    script = Path(sys.executable).with_name("docproc")
    if script.exists():
        return [str(script), "up"]
    return [sys.executable, "-m", "service.commands", "up"]


def summarize(
    name: str,
    dossier: dict[str, Any],
    eligibility: dict[str, Any] | None,
    eligibility_error: str | None,
) -> list[str]:
    """The readable French summary of one dossier."""
    files = dossier.get("files", [])
    lines = [f"Dossier « {name} » — {len(files)} fichier(s), état : {dossier.get('status')}"]
    for job in dossier.get("jobs", []):
        if job.get("status") == "failed":
            lines.append(f"  ! traitement en échec ({job.get('reason')})")
    for f in files:
        refused = [
            c for c in f.get("checks", []) if not c.get("ok") and c.get("level") == "critical"
        ]
        if f.get("accepted") is False or refused:
            reasons = " ; ".join(c.get("message", "") for c in refused) or "fichier refusé"
            lines.append(f"  ! fichier « {f.get('name')} » : {reasons}")
    documents = dossier.get("documents", [])
    if not documents:
        lines.append("  (aucun document reconnu)")
    for doc in documents:
        kind = str(doc.get("kind"))
        pages = doc.get("pages", [])
        complete = "complet" if doc.get("complete") else "incomplet"
        lines.append(
            f"  • {kind_label(kind)} — {STATUS_LABELS.get(doc.get('status', ''), doc.get('status'))}"
            f", {complete} ({len(pages)} page(s))"
        )
        lines.append(f"      {_fields_line(kind, doc.get('fields', {}))}")
        if (code_line := twoddoc_line(doc.get("twoddoc"))) is not None:
            lines.append(f"      {code_line}")
        failed = [c for c in doc.get("checks", []) if not c.get("ok")]
        for check in failed:
            lines.append(f"      ✗ [{check.get('level')}] {check.get('message')}")
        if not failed:
            lines.append("      ✓ tous les contrôles sont satisfaits")
    if eligibility is not None:
        decision = DECISIONS.get(str(eligibility.get("decision")), str(eligibility.get("decision")))
        lines.append(
            f"  ⇒ Éligibilité : {decision} (foyer de {eligibility.get('foyer')} personne(s), "
            f"ressources retenues {_money(eligibility.get('ressources_retenues'))}, "
            f"plafond gratuité {_money(eligibility.get('plafond_gratuite'))})"
        )
        for note in eligibility.get("avertissements", [])[:5]:
            message = note.get("message") if isinstance(note, dict) else str(note)
            lines.append(f"      ⚠ {message}")
    elif eligibility_error:
        lines.append(f"  ⇒ Éligibilité : {eligibility_error}")
    else:
        lines.append(
            "  ⇒ Éligibilité : pas de fichier de foyer (NOM.household.json) pour ce dossier"
        )
    return lines


def _wait_ready(
    client: httpx.Client, proc: subprocess.Popen[bytes], timeout: float = 180.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("le service s'est arrêté au démarrage")
        with contextlib.suppress(httpx.HTTPError):
            if client.get("/healthz").status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("le service ne répond pas")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C does
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_demo(samples_dir: Path) -> int:
    """Run the demo on ``samples_dir``; 0 when every job finished, 1 otherwise."""
    groups = group_samples(samples_dir)
    if not groups:
        sys.stderr.write(f"docproc demo : aucun échantillon dans {samples_dir}\n")
        return 2
    pipeline_key, agent_key = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="docproc-demo-") as tmp:
        port = _free_port()
        env = {
            **os.environ,
            "DOCPROC_API_KEYS": f"demo:pipeline:{pipeline_key},agent-demo:agent:{agent_key}",
            "DOCPROC_TRUST_TEST_2DDOC": "1",
        }
        for name in (
            "DATABASE_URL",
            "REDIS_URL",
            "DOCPROC_SETTINGS_FILE",
            "DOCPROC_API_KEYS_FILE",
            "DOCPROC_STORAGE_KEY",
            "DOCPROC_DATA_DIR",
        ):
            env.pop(name, None)
        log_path = Path(tmp) / "service.log"
        _say(f"Démarrage du service (docproc up, port {port}, données temporaires)…")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    *_up_command(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--data-dir",
                    str(Path(tmp) / "data"),
                ],
                env=env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                timeout=30,
                headers={"Authorization": f"Bearer {pipeline_key}"},
            ) as client:
                _wait_ready(client, proc)
                code = _run(client, groups)
                _agent_pages(f"http://127.0.0.1:{port}", agent_key)
                return code
        except (RuntimeError, httpx.HTTPError) as exc:
            sys.stderr.write(f"docproc demo : {exc}\n")
            sys.stderr.write(log_path.read_text(encoding="utf-8", errors="replace")[-2000:])
            return 1
        finally:
            _say("Arrêt du service…")
            _stop(proc)


def _agent_pages(base_url: str, agent_key: str) -> None:
    """The agents' pages (issue 13): their URL and a key to sign in with; in a terminal, the
    service stays up until Entrée so that they can be visited."""
    _say("Espace des agents (vérification des dossiers) :")
    _say(f"  adresse : {base_url}/agent/")
    _say(f"  clé d'agent pour se connecter : {agent_key}")
    _say(f"  documentation de l'API : {base_url}/docs")
    if sys.stdin is not None and sys.stdin.isatty():
        _say("Appuyez sur Entrée pour arrêter le service.")
        with contextlib.suppress(EOFError, KeyboardInterrupt):
            input()
    else:
        _say(
            "(sans terminal, le service s'arrête tout de suite : lancez « make demo » dans un terminal "
            "pour visiter ces pages)"
        )


def _run(client: httpx.Client, groups: list[SampleDossier]) -> int:
    started = time.monotonic()
    jobs: dict[str, list[str]] = {}
    ids: dict[str, str] = {}
    for group in groups:
        body = {"request_date": group.request_date} if group.request_date else {}
        r = client.post("/dossiers", json=body)
        r.raise_for_status()
        ids[group.name] = r.json()["id"]
        for path in group.files:
            r = client.post(
                f"/dossiers/{ids[group.name]}/files",
                files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
            )
            if r.status_code != 202:
                _say(f"  fichier « {path.name} » refusé à l'envoi : {r.json().get('message')}")
                continue
            jobs.setdefault(group.name, []).append(r.json()["job_id"])
        if group.household is not None:
            household = json.loads(group.household.read_text(encoding="utf-8"))
            client.put(f"/dossiers/{ids[group.name]}/household", json=household).raise_for_status()
    total = sum(len(v) for v in jobs.values())
    _say(f"{total} fichier(s) envoyé(s) dans {len(groups)} dossier(s) ; attente des traitements…")
    pending = {j for v in jobs.values() for j in v}
    failed = 0
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while pending and time.monotonic() < deadline:
        for job_id in list(pending):
            status = client.get(f"/jobs/{job_id}").json()["status"]
            if status in ("finished", "failed"):
                pending.discard(job_id)
                failed += status == "failed"
        if pending:
            time.sleep(0.1)
    _say(f"Traitements terminés en {time.monotonic() - started:.1f} s.\n")
    for group in groups:
        dossier = client.get(f"/dossiers/{ids[group.name]}").json()
        eligibility, error = None, None
        if group.household is not None:
            r = client.get(f"/dossiers/{ids[group.name]}/eligibility")
            if r.status_code == 200:
                eligibility = r.json()
            else:
                error = r.json().get("message")
        for line in summarize(group.name, dossier, eligibility, error):
            _say(line)
        _say()
    if pending or failed:
        _say(f"{len(pending)} traitement(s) non terminé(s), {failed} en échec.")
        return 1
    return 0
