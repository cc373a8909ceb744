"""The one test hook point of the worker: ``DOCPROC_TEST_HOOK`` names a Python file, loaded once.

Production sets nothing and the two calls below do nothing. The tests point the variable at
``tests/fault_hooks.py`` (``tests/conftest.py``), so the workers and ``docproc up`` they start
as subprocesses run its functions too: slow jobs, infrastructure faults, pipeline errors are
injected there, never by a production setting.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from types import ModuleType

ENV = "DOCPROC_TEST_HOOK"


@cache
def _hook() -> ModuleType | None:
    path = os.environ.get(ENV, "").strip()
    if not path:
        return None
    spec = importlib.util.spec_from_file_location("docproc_test_hook", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"{ENV} : fichier introuvable ou illisible")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def before_job(attempt: int) -> None:
    """Called as a job starts its ``attempt``-th run (may sleep or raise an injected fault)."""
    if (hook := _hook()) is not None and hasattr(hook, "before_job"):
        hook.before_job(attempt)


def before_extract() -> None:
    """Called once the dossier is loaded, before the pipeline (may raise an injected error)."""
    if (hook := _hook()) is not None and hasattr(hook, "before_extract"):
        hook.before_extract()
