"""Archival and accessible PDFs on request (`planner report --pdf-variant`), still reproducible."""

import io
import shutil
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from helpers import EXAMPLES, run_cli
from planner.cli.main import PDF_VARIANTS as COMMAND_VARIANTS
from planner.report import writer

pytestmark = pytest.mark.slow  # renders PDFs with WeasyPrint

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
EPOCH = "1795910400"  # 2026-11-29


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("variant") / "project"
    shutil.copytree(EXAMPLES[0], root, ignore=shutil.ignore_patterns("reports"))
    return root


def archival(capsys, monkeypatch, root, out, variant="pdf/a-3b") -> bytes:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    code, _, err = run_cli(
        capsys, "report", str(root), "--kind", "governance", "--format", "pdf", "--pdf-variant", variant, "--out", out
    )
    assert code == 0, err
    return (out / "governance.pdf").read_bytes()


def xmp_attributes(reader: PdfReader) -> dict[str, str]:
    """Every attribute of the XMP packet's rdf:Description elements, by qualified name."""
    packet = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    found: dict[str, str] = {}
    for element in ElementTree.fromstring(packet).iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        found.update(element.attrib)
    return found


def test_pdf_a_3b_is_byte_identical_across_runs_and_declares_itself(capsys, monkeypatch, project, tmp_path):
    first = archival(capsys, monkeypatch, project, tmp_path / "one")
    second = archival(capsys, monkeypatch, project, tmp_path / "two")
    assert first == second
    reader = PdfReader(io.BytesIO(first))
    xmp = xmp_attributes(reader)
    assert (xmp[f"{PDFAID}part"], xmp[f"{PDFAID}conformance"]) == ("3", "B")
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object().get_data()  # the embedded sRGB profile
    assert reader.trailer["/ID"][0] != reader.trailer["/ID"][1]  # planner's identifier, then the content's hash


def test_pdf_a_2b_declares_part_2(capsys, monkeypatch, project, tmp_path):
    xmp = xmp_attributes(PdfReader(io.BytesIO(archival(capsys, monkeypatch, project, tmp_path, "pdf/a-2b"))))
    assert (xmp[f"{PDFAID}part"], xmp[f"{PDFAID}conformance"]) == ("2", "B")


def test_pdf_ua_1_is_tagged_and_declares_itself(capsys, monkeypatch, project, tmp_path):
    reader = PdfReader(io.BytesIO(archival(capsys, monkeypatch, project, tmp_path, "pdf/ua-1")))
    assert xmp_attributes(reader)["{http://www.aiim.org/pdfua/ns/id/}part"] == "1"
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]


def test_an_unknown_variant_exits_2_naming_the_choices(capsys, project):
    code, out, err = run_cli(capsys, "report", str(project), "--pdf-variant", "pdf/x-9")
    assert code == 2
    assert out == ""
    assert "Invalid value for '--pdf-variant': 'pdf/x-9' is not one of 'pdf/a-3b', 'pdf/a-2b', 'pdf/ua-1'." in err


def test_the_api_refuses_an_unknown_variant():
    with pytest.raises(ValueError, match=r"^'pdf/x-9' is not a PDF variant planner writes: one of pdf/a-3b, "):
        writer.render_reports(None, formats=("pdf",), as_of=None, pdf_variant="pdf/x-9")  # type: ignore[arg-type]


def test_the_command_offers_the_variants_the_writer_knows():
    assert COMMAND_VARIANTS == writer.PDF_VARIANTS
