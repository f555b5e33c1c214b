"""HTML to PDF through WeasyPrint, fetching nothing but inline data and files of the project.

Imported only when a PDF is asked for: `import weasyprint` alone costs about half a second.
WeasyPrint's default fetcher follows any URL (a `file:///etc/passwd` attachment link ends up inside
the PDF), so every `HTML()` and `CSS()` here gets `ProjectFetcher`, which raises
`FatalURLFetchingError` on anything else: a blocked fetch stops the render instead of being logged
as a warning and skipped. Files are read through the guard (`guard.ASSET`), never by urllib.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from planner.errors import Diagnostic, PlannerError
from planner.report.environment import PROJECT_TEMPLATES
from planner.source import guard

if weasyprint.__version__.startswith("70."):  # svgtext uses internals of this version only
    from planner.report import svgtext

    svgtext.install()  # chart labels laid out as one line each, not letter by letter (issue 15)


class BlockedFetch(FatalURLFetchingError):
    """A report asked for a resource outside the project folder."""


class ProjectFetcher(URLFetcher):
    """`data:` URLs, and `file:` URLs of the project's `templates/` folder (a logo, fonts); nothing
    else, no hidden files, no redirects. Not the whole project folder: it holds `.git/config`,
    where CI checkouts keep their token, and data that has no place in a report."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, fail_on_errors=True)
        self.assets = (root / PROJECT_TEMPLATES).resolve()

    def allowed_file(self, url) -> bool:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc:
            return False
        path = Path(unquote(parts.path)).resolve()
        return path.is_relative_to(self.assets) and not any(
            part.startswith(".") for part in path.relative_to(self.assets).parts
        )

    def fetch(self, url, headers=None):
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)
        if not self.allowed_file(url):
            raise BlockedFetch(f"blocked a request for {url[:200]}")
        return self._read_asset(url)

    def _read_asset(self, url: str) -> URLFetcherResponse:
        """A file of `templates/` read through the guard (inside the folder once resolved, a regular
        file of at most 16 MiB), never opened by urllib: a FIFO there would hang the render."""
        path = Path(unquote(urlsplit(url).path))
        try:
            data = guard.read_bytes(path, root=self.assets, kind=guard.ASSET, file_label=str(path))
        except PlannerError as exc:
            raise BlockedFetch(exc.diagnostics[0].message) from None
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": kind})


CHART = re.compile(r'<svg xmlns="http://www\.w3\.org/2000/svg"[^>]*>.*?</svg>', re.S)
CHART_WORDS = re.compile(r"<title[^>]*>(.*?)</title><desc[^>]*>(.*?)</desc>", re.S)


def charts_as_images(html: str) -> str:
    """Each inline chart of planner's as an `<img>` of the same SVG (a `data:` URL), its title
    and description as the alternative text.

    WeasyPrint parses HTML with a pure-Python parser and cascades CSS over every element, the
    charts' 10,000 lines and labels included; as an image, the same SVG goes to its XML parser
    and is drawn exactly as before, in a third of the time the parsing took (issue 15). Only
    standalone SVGs (with their namespace, as `planner.report.charts` writes them) are moved."""

    def image(match: re.Match[str]) -> str:
        svg = match.group(0)
        words = CHART_WORDS.search(svg)
        alt = f"{words.group(1)}. {words.group(2)}" if words else ""
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="chart" alt="{alt}" src="data:image/svg+xml;base64,{data}">'

    return CHART.sub(image, html)


def html_to_pdf(html: str, root: Path, *, variant: str | None = None) -> bytes:
    """The PDF of `html`; relative references resolve inside `root`, the project folder.

    `variant` is one of `PDF_VARIANTS` (PDF/A, PDF/UA) or None for plain PDF. WeasyPrint gives a
    variant a file identifier; it is taken from the HTML here, and the dates from its
    `dcterms.created`/`modified`, so the same HTML always makes the same bytes."""
    fetcher = ProjectFetcher(root)
    options: dict[str, object] = {"font_config": _fonts()}
    if variant is not None:
        options["pdf_variant"] = variant
        options["pdf_identifier"] = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    try:
        document = weasyprint.HTML(
            string=charts_as_images(html), base_url=root.resolve().as_uri() + "/", url_fetcher=fetcher
        )
        return document.write_pdf(**options)
    except FatalURLFetchingError as exc:
        reason = exc if isinstance(exc, BlockedFetch) else (exc.__cause__ or exc)
        raise PlannerError(
            [
                Diagnostic(
                    "report-fetch",
                    f"the report cannot be printed: {reason}",
                    hint="reports may only use inline data and files of the project's "
                    "templates/ folder; check the templates there",
                )
            ]
        ) from None


@functools.cache
def _fonts() -> FontConfiguration:
    """One font configuration for every PDF of the process (design and governance reports): the
    fonts found once, and Pango's font map warm for the second document."""
    return FontConfiguration()
