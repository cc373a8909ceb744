"""The ``docproc`` command line: library commands, service commands and benchmarks in one
parser (``cli.main``). Outside ``docproc`` so that the library never imports the service."""
