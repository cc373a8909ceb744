"""The commands that run or drive the service (``serve``, ``worker``, ``up``, ``reextract``,
``rotate-key``, ``demo``), measure it (``bench``) or show its settings (``settings``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.parsing import needs_extra


def cmd_bench(args: argparse.Namespace) -> int:
    needs_extra("reportlab", "httpx")
    from bench.run import run_bench

    return run_bench(as_json=args.json, sections=args.only, avis=args.avis)


def cmd_serve(args: argparse.Namespace) -> int:
    from service.commands import serve

    return serve(args.host, args.port)


def cmd_worker(_args: argparse.Namespace) -> int:
    from service.commands import run_worker

    return run_worker()


def cmd_reextract(args: argparse.Namespace) -> int:
    from service.reextract_cli import run

    return run(args)


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from service.rotate import run

    return run(args)


def cmd_up(args: argparse.Namespace) -> int:
    from service.commands import up

    return up(args.host, args.port, Path(args.data_dir))


def cmd_demo(args: argparse.Namespace) -> int:
    needs_extra("httpx")
    from service.demo import run_demo

    return run_demo(Path(args.dir))


def cmd_settings(args: argparse.Namespace) -> int:
    from docproc.settings import describe as library
    from service.config import describe as service

    rows = library() + service()
    if args.json:
        import json

        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    width = max(len(r["name"]) for r in rows)
    for section in ("bibliothèque", "service"):
        print(f"Réglages effectifs — {section} :")
        for r in rows:
            if r["section"] == section:
                print(f"  {r['name']:{width}s} = {r['value']!s:30s} ({r['origin']})")
        print()
    return 0
