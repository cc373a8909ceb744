"""Progress of long commands on stderr: a rich bar on a terminal, plain lines otherwise.

stdout stays for results (JSON, summaries); ``--quiet`` silences progress entirely.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO


class Progress:
    """``with Progress("QA", quiet=False) as p: p.step(i, total, name)``."""

    def __init__(self, label: str, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.label = label
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self._bar: Any = None
        self._task: Any = None
        self._started = time.monotonic()

    def __enter__(self) -> Progress:
        if not self.quiet and _is_terminal(self.stream):
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[item]}"),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=None, item="")
        return self

    def step(self, index: int, total: int, item: str) -> None:
        """Work on ``item`` (number ``index`` of ``total``, from 1) is starting."""
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, total=total, completed=index - 1, item=item)
        else:
            print(f"{self.label} {index}/{total} : {item}", file=self.stream, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        if not self.quiet and exc_type is None and self._bar is None:
            print(
                f"{self.label} : terminé en {time.monotonic() - self._started:.1f} s",
                file=self.stream,
                flush=True,
            )


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
