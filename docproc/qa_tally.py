"""QA's scoring: targets per family, what counts as right, missing or wrong, and the running tallies per field, family and kind."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

#: Document-level outcomes scored like fields (a wrong one fails QA like a wrong RFR).
OUTCOMES = ("kind", "status", "complete", "missing_pages", "failed_checks")


#: The outcomes that make a document's completeness decision (complete or not, which pages
#: are missing): one decision per expected document, right when both are.
COMPLETENESS = ("document.complete", "document.missing_pages")


def twoddoc_kinds() -> frozenset[str]:
    """Kinds whose page 1 carries a signed 2D-Doc: their spec names its types (``classify.twoddoc_types``)."""
    from docproc.extractors.spec import all_specs

    return frozenset(s.kind for s in all_specs() if s.classify.twoddoc_types)


#: Targets per sample family, as data. Rates are fractions; None: reported, no target.
#: ``fields`` covers every scored value but the completeness decision (contract fields, kind,
#: status, failed checks, 2D-Doc concordance); ``twoddoc`` is decoded / printed.
TARGETS: dict[str, Any] = {
    "source": "issue « QA par famille » : texte 100 % des champs ; scan ≥ 98 % ; photo et capture "
    "d'écran ≥ 95 % ; variation 100 % (c'est du texte) ; décisions de complétude 100 % "
    "partout ; 2D-Doc décodé sur ≥ 98 % des scans et des photos qui en portent un",
    "families": {
        "text": {"fields": 1.0, "completeness": 1.0, "twoddoc": None},
        "scan": {"fields": 0.98, "completeness": 1.0, "twoddoc": 0.98},
        "photo": {"fields": 0.95, "completeness": 1.0, "twoddoc": 0.98},
        "screenshot": {"fields": 0.95, "completeness": 1.0, "twoddoc": None},
        "variation": {"fields": 1.0, "completeness": 1.0, "twoddoc": None},
    },
}


FAMILIES: tuple[str, ...] = tuple(TARGETS["families"])


METRICS = ("fields", "completeness", "twoddoc")


#: Exit statuses of ``docproc qa`` (contract §2 and §6).
EXIT_OK, EXIT_REQUIRED_WRONG, EXIT_BELOW_TARGET = 0, 1, 3


def family_of(expected: dict[str, Any]) -> str:
    """A sample's family: its ``family`` if given, else its ``variant`` (text, scan, photo…)."""
    return str(expected.get("family") or expected.get("variant", "text"))


def required_fields() -> dict[str, set[str]]:
    from docproc.extractors.spec import all_specs

    return {s.kind: {f.name for f in s.fields if f.required} for s in all_specs()}


def code_printed(expected: dict[str, Any], want: dict[str, Any]) -> bool:
    """Whether the expected document has a 2D-Doc printed on it.

    An explicit ``"twoddoc"`` in the expected document decides (``{"present": true}`` or a
    boolean). Otherwise: a kind that carries one, signed samples only, and page 1 present
    (its page-1 fields expected and page 1 not listed missing).
    """
    explicit = want.get("twoddoc")
    if isinstance(explicit, dict):
        return bool(explicit.get("present", True))
    if isinstance(explicit, bool):
        return explicit
    return (
        want.get("kind") in twoddoc_kinds()
        and bool(expected.get("signed_with_test_authority"))
        and 1 not in want.get("missing_pages", [])
        and "reference_avis" in want.get("fields", {})
    )


@dataclass
class Tally:
    """Counts of one family or one kind: [ok, total] per metric, samples and documents."""

    samples: int = 0
    documents: int = 0
    fields: list[int] = field(default_factory=lambda: [0, 0])
    completeness: list[int] = field(default_factory=lambda: [0, 0])
    twoddoc: list[int] = field(default_factory=lambda: [0, 0])  # decoded, printed
    #: Wall-clock seconds spent extracting this tally's samples (families only).
    seconds: float = 0.0

    def metric(self, name: str) -> list[int]:
        value: list[int] = getattr(self, name)
        return value


def rate(pair: list[int]) -> float | None:
    return round(pair[0] / pair[1], 4) if pair[1] else None


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f} %"


@dataclass
class QAReport:
    samples: int = 0
    per_field: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    per_variant: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    per_family: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    #: Names of the samples run, so a later ``--baseline`` comparison knows which ones are new.
    sample_names: list[str] = field(default_factory=list)
    #: (confidence, right) of every expected field the extraction gave with a confidence.
    confidences: list[tuple[float, bool]] = field(default_factory=list)
    #: [ok, total] per (field, family): the accuracy map of the HTML report.
    per_field_family: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    #: Draw each mismatch's page (field box included) as it is found (for the HTML report).
    keep_images: bool = False
    #: Mismatch index → inline images (``page`` and, with a box, ``crop``): see
    #: :func:`docproc.qa_images.field_images`.
    images: dict[int, dict[str, str]] = field(default_factory=dict)

    def score(
        self,
        sample: str,
        variant: str,
        doc: int,
        name: str,
        want: Any,
        got: Any,
        family: str | None = None,
        kind: str | None = None,
        required: bool = True,
    ) -> None:
        """One scored value. ``family``/``kind`` (when given) also count it in their tables."""
        ok = same_value(want, got)
        self.per_field[name][0] += ok
        self.per_field[name][1] += 1
        self.per_variant[variant][0] += ok
        self.per_variant[variant][1] += 1
        self.per_field_family[(name, family or variant)][0] += ok
        self.per_field_family[(name, family or variant)][1] += 1
        if name not in COMPLETENESS:  # the completeness decision is counted once per document
            for table, key in ((self.per_family, family), (self.per_kind, kind)):
                if key is not None:
                    table[key].fields[0] += ok
                    table[key].fields[1] += 1
        if not ok:
            self.mismatches.append(
                {
                    "sample": sample,
                    "document": doc,
                    "field": name,
                    "expected": want,
                    "got": got,
                    "family": family or variant,
                    "required": required,
                }
            )

    def count_completeness(self, family: str, kind: str, right: bool) -> None:
        """One completeness decision (complete or not, and which pages are missing)."""
        for tally in (self.per_family[family], self.per_kind[kind]):
            tally.completeness[0] += right
            tally.completeness[1] += 1

    def count_twoddoc(self, family: str, kind: str, decoded: bool) -> None:
        for tally in (self.per_family[family], self.per_kind[kind]):
            tally.twoddoc[0] += decoded
            tally.twoddoc[1] += 1

    def families(self) -> dict[str, dict[str, Any]]:
        """Every known family (absent ones too) and any other met in the samples, with targets."""
        out: dict[str, dict[str, Any]] = {}
        for name in [*FAMILIES, *sorted(set(self.per_family) - set(FAMILIES))]:
            tally = self.per_family.get(name, Tally())
            targets = TARGETS["families"].get(name)
            entry: dict[str, Any] = {
                "samples": tally.samples,
                "documents": tally.documents,
                **metrics_json(tally),
                "targets": targets,
            }
            failures: list[str] = []
            if not tally.samples:
                entry["status"] = "absent"
            elif targets is None:
                entry["status"] = "fail"
                failures.append(f"famille « {name} » inconnue : aucune cible définie")
            else:
                for metric in METRICS:
                    target, pair = targets.get(metric), tally.metric(metric)
                    if target is None or not pair[1]:
                        continue
                    if pair[0] / pair[1] < target:
                        failures.append(
                            f"{METRIC_FR[metric]} {pair[0]}/{pair[1]} ({pct(pair[0] / pair[1])}) "
                            f"sous la cible de {pct(target)}"
                        )
                entry["status"] = "fail" if failures else "pass"
            entry["failures"] = failures
            out[name] = entry
        return out

    def kinds(self) -> dict[str, dict[str, Any]]:
        return {
            k: {"documents": t.documents, **metrics_json(t)}
            for k, t in sorted(self.per_kind.items())
        }

    def required_mismatches(self) -> list[dict[str, Any]]:
        """Required values that are wrong. A value left missing (with its reason), and the
        "à vérifier" status it brings, are honest: they count against the family's target,
        they are not wrong values."""
        return [m for m in self.mismatches if m.get("required", True) and not honestly_missing(m)]

    def exit_code(self) -> int:
        """1 if a required field is wrong (contract §2, checked first: it always was the rule),
        else 3 if a family is below one of its targets (contract §6), else 0."""
        if self.required_mismatches():
            return EXIT_REQUIRED_WRONG
        if any(f["status"] == "fail" for f in self.families().values()):
            return EXIT_BELOW_TARGET
        return EXIT_OK

    def timing(self) -> dict[str, dict[str, Any]]:
        """Seconds of extraction per family (total and per sample), families that ran only."""
        return {
            name: {
                "samples": t.samples,
                "seconds": round(t.seconds, 3),
                "per_sample": round(t.seconds / t.samples, 3),
            }
            for name, t in sorted(self.per_family.items())
            if t.samples
        }

    def accuracy_by_family(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Field → family → ok, total and rate: which field fails on which kind of input."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for (name, family), (ok, total) in sorted(self.per_field_family.items()):
            out.setdefault(name, {})[family] = {
                "ok": ok,
                "total": total,
                "rate": rate([ok, total]),
            }
        return out

    def confidence_histogram(self, bins: int = 10) -> list[dict[str, Any]]:
        """Counts of right and wrong values per confidence bin ([0, 0.1), … [0.9, 1])."""
        out = [
            {"from": round(i / bins, 2), "to": round((i + 1) / bins, 2), "right": 0, "wrong": 0}
            for i in range(bins)
        ]
        for conf, right in self.confidences:
            slot = out[min(bins - 1, max(0, int(conf * bins)))]
            slot["right" if right else "wrong"] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        families = self.families()
        return {
            "samples": self.samples,
            "accuracy": {k: round(v[0] / v[1], 4) for k, v in sorted(self.per_field.items())},
            "accuracy_by_variant": {
                k: round(v[0] / v[1], 4) for k, v in sorted(self.per_variant.items())
            },
            "accuracy_by_family": self.accuracy_by_family(),
            "counts": {k: {"ok": v[0], "total": v[1]} for k, v in sorted(self.per_field.items())},
            "confusion": [
                {"expected": e, "got": g, "count": n}
                for (e, g), n in sorted(self.confusion.items())
            ],
            "families": families,
            "kinds": self.kinds(),
            "targets_source": TARGETS["source"],
            "passed": not any(f["status"] == "fail" for f in families.values()),
            "exit_code": self.exit_code(),
            "mismatches": self.mismatches,
            "sample_names": sorted(self.sample_names),
            "timing": self.timing(),
            "confidence_histogram": self.confidence_histogram(),
        }


METRIC_FR = {"fields": "champs", "completeness": "complétude", "twoddoc": "2D-Doc décodés"}


def metrics_json(t: Tally) -> dict[str, Any]:
    return {
        "fields": {"ok": t.fields[0], "total": t.fields[1], "rate": rate(t.fields)},
        "completeness": {
            "ok": t.completeness[0],
            "total": t.completeness[1],
            "rate": rate(t.completeness),
        },
        "twoddoc": {"decoded": t.twoddoc[0], "printed": t.twoddoc[1], "rate": rate(t.twoddoc)},
    }


def honestly_missing(m: dict[str, Any]) -> bool:
    if m["got"] is None:
        return True
    if m["field"] == "document.status":
        return bool(m["expected"] == "accepted" and m["got"] == "needs_review")
    if m["field"] == "document.failed_checks" and isinstance(m["got"], list):
        return set(m["got"]) - set(m["expected"] or []) == {"champs.illisibles"}
    return False


def same_value(want: Any, got: Any) -> bool:
    if isinstance(want, float) or isinstance(got, float):
        return (
            isinstance(got, int | float)
            and isinstance(want, int | float)
            and abs(want - got) < 1e-6
        )
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(
            same_value(a, b) for a, b in zip(want, got, strict=True)
        )
    if isinstance(want, dict) and isinstance(got, dict):
        return want.keys() == got.keys() and all(same_value(want[k], got[k]) for k in want)
    return bool(want == got)
