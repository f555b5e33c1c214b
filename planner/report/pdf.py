"""HTML to PDF through WeasyPrint, fetching nothing but inline data and files of the project.

Imported only when a PDF is asked for: `import weasyprint` alone costs about half a second.
WeasyPrint's default fetcher follows any URL (a `file:///etc/passwd` attachment link ends up inside
the PDF), so every `HTML()` and `CSS()` here gets `ProjectFetcher`, which raises
`FatalURLFetchingError` on anything else: a blocked fetch stops the render instead of being logged
as a warning and skipped.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from ..diagnostics import Diagnostic, PlannerError


class BlockedFetch(FatalURLFetchingError):
    """A report asked for a resource outside the project folder."""


class ProjectFetcher(URLFetcher):
    """`data:` URLs, and `file:` URLs inside `root`; nothing else, and no redirects."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, fail_on_errors=True)
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        inside = scheme == "file" and not parts.netloc and Path(unquote(parts.path)).resolve().is_relative_to(self.root)
        if scheme != "data" and not inside:
            raise BlockedFetch(f"blocked a request for {url[:200]}")
        return super().fetch(url, headers)


def html_to_pdf(html: str, root: Path) -> bytes:
    """The PDF of `html`; relative references resolve inside `root`, the project folder."""
    fetcher = ProjectFetcher(root)
    try:
        document = weasyprint.HTML(string=html, base_url=root.resolve().as_uri() + "/", url_fetcher=fetcher)
        return document.write_pdf()
    except FatalURLFetchingError as exc:
        reason = exc if isinstance(exc, BlockedFetch) else (exc.__cause__ or exc)
        raise PlannerError([Diagnostic("report-fetch", f"the report cannot be printed: {reason}",
                                       hint="reports may only use inline data and files inside the project "
                                       "folder; check the project's templates/")]) from None
