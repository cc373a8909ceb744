"""The hostile corpus, for tests of the CLI and of the API (generated, never committed).

``corpus()`` returns ``HostileFile(name, data, expected, family)`` items, iterable as
``(name, data, expected)``; ``expected`` is the code of the check that refuses the file, or
None for a file that must be read. The generator lives in the package
(:mod:`docproc.hostile`) so that ``docproc bench --only hostile`` uses the same files.
"""

from docproc.hostile import HostileFile, corpus

__all__ = ["HostileFile", "corpus"]
