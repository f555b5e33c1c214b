"""Benchmark a ~50-page governance report end to end: HTML and PDF timed separately, next to
Chromium printing the same HTML to PDF (the peer a team would otherwise script).

Usage: python benchmarks/bench_report.py [--audits 5] [--risks 60] [--repeat 3]

The project is `examples/adult-income` copied to a temp dir and grown to report size: the bias
audit is repeated `--audits` times with `age_group` added as a sensitive feature (more groupings,
charts and group tables), and `--risks` extra risks are added to the register. Each measured step
runs in its own subprocess that reports its wall time and peak RSS, so peaks never mix:
- planner html: load, validate, audits, assessment and the HTML of the governance report;
- planner pdf: the same plus WeasyPrint's PDF (the figure users wait for);
- chromium pdf: `chromium --headless --print-to-pdf` of the HTML planner wrote (its process tree's
  wall time; its memory is not measured here).
The ratio printed is planner pdf / chromium pdf. Best of `--repeat` runs is reported.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "adult-income"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def grow(root: Path, audits: int, risks: int) -> None:
    """Make the example report-sized: more audits (with age_group) and more risks."""
    audit = root / "specs" / "bias-audit.yaml"
    text = audit.read_text().replace("sensitive_features: [sex, race]", "sensitive_features: [sex, race, age_group]")
    audit.write_text(text)
    for n in range(2, audits + 1):
        (root / "specs" / f"bias-audit-{n}.yaml").write_text(re.sub(r"(?m)^id: A1$", f"id: A{n}", text))
    register = root / "specs" / "risks.yaml"
    extra = "".join(
        f"  - {{id: X{n}, title: Synthetic risk {n} for the benchmark, likelihood: {n % 5 + 1}, "
        f"impact: {(n * 3) % 5 + 1}, status: closed}}\n"
        for n in range(risks)
    )
    register.write_text(register.read_text().rstrip("\n") + "\n" + extra)


def worker(kind: str, root: str, out: str) -> dict:
    """One measured step in this process."""
    from datetime import date

    start = time.perf_counter()
    import planner

    project = planner.load(root)
    assert not project.has_errors
    assessment = planner.assess(project, use_cache=False)  # the audits are part of what is measured
    assert not assessment.audit_problems
    outputs = planner.render(assessment, kinds=("governance",), formats=(kind,), as_of=date(2026, 11, 29), out=out)
    data = next(iter(outputs.values()))
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if kind == "pdf":
        from pypdf import PdfReader

        result["pages"] = len(PdfReader(io.BytesIO(data)).pages)
    return result


def measure(kind: str, root: Path, out: Path) -> dict:
    command = [sys.executable, __file__, "--worker", kind, str(root), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def chromium_pdf(html: Path, out: Path) -> dict:
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary is None:
        return {"seconds": None}
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        subprocess.run(
            [
                binary,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={out / 'chromium.pdf'}",
                html.as_uri(),
            ],
            capture_output=True,
            check=True,
            timeout=600,
        )
        seconds = time.perf_counter() - start
    from pypdf import PdfReader

    return {"seconds": seconds, "pages": len(PdfReader(out / "chromium.pdf").pages)}


def best(runs: list[dict]) -> dict:
    timed = [run for run in runs if run["seconds"] is not None]
    return min(timed, key=lambda run: run["seconds"]) if timed else runs[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=5)
    parser.add_argument("--risks", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "project", Path(tmp) / "out"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("reports"))
        out.mkdir()
        grow(root, args.audits, args.risks)
        results = {kind: best([measure(kind, root, out) for _ in range(args.repeat)]) for kind in ("html", "pdf")}
        results["chromium"] = best([chromium_pdf(out / "governance.html", out) for _ in range(args.repeat)])
    html, pdf, chromium = results["html"], results["pdf"], results["chromium"]
    print(f"governance report, {args.audits} audits, {args.risks} extra risks, best of {args.repeat}:")
    print(f"  planner html : {html['seconds']:6.2f} s  peak {html['peak_mb']:5.0f} MB")
    print(f"  planner pdf  : {pdf['seconds']:6.2f} s  peak {pdf['peak_mb']:5.0f} MB  {pdf['pages']} pages")
    if chromium["seconds"] is None:
        print("  chromium pdf : not installed")
        return
    print(f"  chromium pdf : {chromium['seconds']:6.2f} s (print of planner's HTML)  {chromium['pages']} pages")
    print(f"  ratio planner pdf / chromium pdf: {pdf['seconds'] / chromium['seconds']:.2f}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))  # run from a checkout
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:5])))
    else:
        main()
