"""HTML to PDF through WeasyPrint, fetching nothing but inline data and files of the project.

Imported only when a PDF is asked for: `import weasyprint` alone costs about half a second.
WeasyPrint's default fetcher follows any URL (a `file:///etc/passwd` attachment link ends up inside
the PDF), so every `HTML()` and `CSS()` here gets `ProjectFetcher`, which raises
`FatalURLFetchingError` on anything else: a blocked fetch stops the render instead of being logged
as a warning and skipped. Files are read through the guard (`guard.ASSET`), never by urllib.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from planner.errors import Diagnostic, PlannerError
from planner.report.environment import PROJECT_TEMPLATES
from planner.source import guard


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


def html_to_pdf(html: str, root: Path) -> bytes:
    """The PDF of `html`; relative references resolve inside `root`, the project folder."""
    fetcher = ProjectFetcher(root)
    try:
        document = weasyprint.HTML(string=html, base_url=root.resolve().as_uri() + "/", url_fetcher=fetcher)
        return document.write_pdf()
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
