"""Sending a rendered report: by email (SMTP), to a webhook (signed POST) or into a file
outbox. Each raises DeliveryError with what went wrong; nothing here retries."""

from __future__ import annotations

import os
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from api.dashboards.exporting import Export
from api.ingest.webhooks import sign
from warehouse.settings import ReportSettings


class DeliveryError(RuntimeError):
    """A report could not be handed over; the message says why."""


def send_email(settings: ReportSettings, to: str, subject: str, body: str,
               export: Export) -> None:
    """Mail the export as an attachment through SIGHTLINE_SMTP_URL."""
    if not settings.smtp_url:
        raise DeliveryError("email reports are not configured (SIGHTLINE_SMTP_URL is unset)")
    url = urlsplit(settings.smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message.set_content(body)
    maintype, _, subtype = export.media_type.split(";")[0].partition("/")
    message.add_attachment(export.content, maintype=maintype, subtype=subtype,
                           filename=export.filename)
    try:
        with smtplib.SMTP(url.hostname or "127.0.0.1", url.port or 25,
                          timeout=settings.timeout_seconds) as smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP delivery to {to} failed: {exc}") from exc


def post_webhook(settings: ReportSettings, url: str, delivery_id: str, export: Export) -> None:
    """POST the export to `url`, signed like inbound webhooks when a secret is set."""
    timestamp = int(time.time())
    headers = {"Content-Type": export.media_type, "X-Sightline-Delivery": delivery_id,
               "X-Sightline-Timestamp": str(timestamp),
               "Content-Disposition": f'attachment; filename="{export.filename}"'}
    if settings.webhook_secret:
        headers["X-Sightline-Signature"] = sign(settings.webhook_secret, delivery_id,
                                                timestamp, export.content)
    try:
        answer = httpx.post(url, content=export.content, headers=headers,
                            timeout=settings.timeout_seconds)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {url} unreachable: {exc}") from exc
    if not 200 <= answer.status_code < 300:
        raise DeliveryError(f"webhook {url} answered {answer.status_code}")


def write_outbox(settings: ReportSettings, tenant_id: str, folder: str, stem: str,
                 export: Export) -> Path:
    """Write the export under the outbox (atomically: a reader never sees half a file)."""
    if settings.outbox_dir is None:
        raise DeliveryError("no outbox directory is configured (SIGHTLINE_REPORTS_OUTBOX)")
    target = settings.outbox_dir / tenant_id / folder / f"{stem}-{export.filename}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        partial.write_bytes(export.content)
        os.replace(partial, target)
    except OSError as exc:
        raise DeliveryError(f"outbox write to {target} failed: {exc}") from exc
    return target
