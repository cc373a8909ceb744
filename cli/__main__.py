"""``python -m cli``: the ``docproc`` command."""

from cli.main import main

raise SystemExit(main())
