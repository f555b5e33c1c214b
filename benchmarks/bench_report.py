"""Benchmark a ~50-page governance report end to end: HTML and PDF timed separately, next to
Chromium printing the same HTML to PDF (the peer a team would otherwise script).

Usage: python benchmarks/bench_report.py [--audits 5] [--risks 60] [--repeat 3] [--quick]

The project is `examples/adult-income` copied to a temp dir and grown to report size: the bias
audit is repeated `--audits` times with `age_group` added as a sensitive feature (more groupings,
charts and group tables), and `--risks` extra risks are added to the register. Each measured step
runs in its own subprocess that reports its wall time and peak RSS, so peaks never mix:
- planner html: load, validate, audits, assessment and the HTML of the governance report;
- planner pdf: the same plus WeasyPrint's PDF (the figure users wait for);
- chromium pdf: `chromium --headless --print-to-pdf` of the HTML planner wrote (its process tree's
  wall time; its peak is that of its largest process, not the sum of its processes).
The ratio printed is planner pdf / chromium pdf (the goal of issue 15: at most 3); the PDF step
alone (planner pdf - planner html) and what a team scripting Chromium waits for (planner html +
chromium pdf) are printed beside it. The three steps run in turn, `--repeat` rounds, so a machine
whose speed drifts slows them alike; the best run of each is reported. `--quick` is one round.
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
    """Chromium's print, timed in a worker process so that its peak is its own."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary is None:
        return {"seconds": None}
    command = [sys.executable, __file__, "--worker", "chromium", str(html), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def chromium_worker(binary: str, html: Path, out: Path) -> dict:
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

    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb, "pages": len(PdfReader(out / "chromium.pdf").pages)}


def best(runs: list[dict]) -> dict:
    timed = [run for run in runs if run["seconds"] is not None]
    return min(timed, key=lambda run: run["seconds"]) if timed else runs[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=5)
    parser.add_argument("--risks", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round instead of --repeat")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 1
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "project", Path(tmp) / "out"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("reports"))
        out.mkdir()
        grow(root, args.audits, args.risks)
        runs: dict[str, list[dict]] = {"html": [], "pdf": [], "chromium": []}
        for _ in range(args.repeat):
            runs["html"].append(measure("html", root, out))
            runs["pdf"].append(measure("pdf", root, out))
            runs["chromium"].append(chromium_pdf(out / "governance.html", out))
    html, pdf, chromium = (best(runs[kind]) for kind in ("html", "pdf", "chromium"))
    print(f"governance report, {args.audits} audits, {args.risks} extra risks, best of {args.repeat}:")
    print(f"  planner html : {html['seconds']:6.2f} s  peak {html['peak_mb']:5.0f} MB")
    print(f"  planner pdf  : {pdf['seconds']:6.2f} s  peak {pdf['peak_mb']:5.0f} MB  {pdf['pages']} pages")
    if chromium["seconds"] is None:
        print("  chromium pdf : not installed")
        return
    print(
        f"  chromium pdf : {chromium['seconds']:6.2f} s  peak {chromium['peak_mb']:5.0f} MB  {chromium['pages']} pages"
        " (print of planner's HTML; peak of its largest process)"
    )
    print(f"  ratio planner pdf / chromium pdf: {pdf['seconds'] / chromium['seconds']:.2f}  (goal: at most 3)")
    step = pdf["seconds"] - html["seconds"]
    print(f"  PDF step alone (pdf - html)     : {step:.2f} s, {step / chromium['seconds']:.2f}x chromium")
    peer = html["seconds"] + chromium["seconds"]
    print(f"  planner html + chromium pdf     : {peer:.2f} s, planner pdf is {pdf['seconds'] / peer:.2f}x that")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))  # run from a checkout
    if sys.argv[1:3] == ["--worker", "chromium"]:
        found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        print(json.dumps(chromium_worker(str(found), Path(sys.argv[3]), Path(sys.argv[4]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:5])))
    else:
        main()
