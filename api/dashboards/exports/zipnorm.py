"""Byte-identical Office files: rewrite a zip (and the workbooks zipped inside it) with a
fixed entry time and fixed document dates. python-pptx stamps the current time on every
zip entry and on the chart workbooks it embeds; nothing else in its output varies.
Written by hand because no maintained library does only this; it touches only the zip
container and the two docProps dates."""

from __future__ import annotations

import io
import re
import zipfile

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def normalise_zip(data: bytes, document_time: str) -> bytes:
    """`data` with every entry dated FIXED_ZIP_TIME, docProps dates set to
    `document_time` (ISO 8601, UTC) and embedded .xlsx parts normalised the same way."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename.endswith(".xlsx"):
                content = normalise_zip(content, document_time)
            elif entry.filename == "docProps/core.xml":
                content = _DATES.sub(rb"\g<1>" + document_time.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(entry.filename, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, content)
    return out.getvalue()
