"""Connection URIs in messages and in use: credentials out of every text, `${NAME}` filled in.

One home for both directions, because tracking servers (`planner.evidence.mlflow_client`) and
warehouses (`planner.audit.warehouse`) take the same kind of URI: the spec holds `${NAME}` for the
user name and the password, the client gets the values, and no message, report or cache ever
shows them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from urllib.parse import quote, unquote

from planner.spec.results import PLACEHOLDER, split_userinfo
from planner.text import SECRET_NAME, scrub_credentials


def redact(uri: str) -> str:
    """A URI fit for messages and reports: no user information, no credential in its query."""
    return scrub_credentials(split_userinfo(uri)[1])


def secrets_of(uri: str) -> set[str]:
    """The user name and password of `uri` (as written and decoded), and its secret query values."""
    userinfo = split_userinfo(uri)[0]
    found = {userinfo, *userinfo.split(":", 1)}
    found |= {
        match.group(1)
        for match in re.finditer(r"(?i)[?&;][^=&;#]+=([^&;#]*)", uri)
        if scrub_credentials(match.group(0)) != match.group(0)
    }
    found |= {unquote(secret) for secret in found}
    return {secret for secret in found if len(secret) >= 3}


def scrub(text: str, uri: str) -> str:
    """`text` fit for a message: the URI redacted, its credentials (in any form) and any other URL's
    user information and secret query values replaced by `***`."""
    text = text.replace(uri, redact(uri))
    for secret in sorted(secrets_of(uri), key=len, reverse=True):
        text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return scrub_credentials(text)


SECRET_VALUE = re.compile(r"(?i)([?&;]" + SECRET_NAME + r"=)\$\{([A-Za-z_][A-Za-z0-9_]*)\}(?=[&;#]|$)")
"""A credential parameter whose whole value is a placeholder (`;token=${SPARK_TOKEN}`)."""


def fill_placeholders(uri: str, unset: Callable[[str], Exception]) -> str:
    """`uri` with each `${NAME}` of its user information, and each credential parameter written
    as `${NAME}`, replaced by environment variable NAME (percent-encoded); `unset(NAME)` is raised
    for a variable that is not set. Specs allow placeholders nowhere else."""

    def value(name: str) -> str:
        if name not in os.environ:
            raise unset(name)
        return quote(os.environ[name], safe="")

    userinfo, rest = split_userinfo(uri)
    rest = SECRET_VALUE.sub(lambda match: match.group(1) + value(match.group(2)), rest)
    if not userinfo:
        return rest
    filled = PLACEHOLDER.sub(lambda match: value(match.group(1)), userinfo)
    return rest.replace("://", f"://{filled}@", 1)
