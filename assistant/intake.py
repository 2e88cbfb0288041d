"""Turn an uploaded request file into the request text: plain text, Word, PDF or a saved e-mail.

Requests arrive by e-mail more often than not, so an .eml file gives its body (the plain-text part when there
is one, else the HTML part as text). Bad files are refused with a one-line reason the officer can act on.
"""
from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

from assistant.safety import remove_invisible
from assistant.readers import DEFAULT_LIMITS, Limits, ReadError, decode_text, drop_hidden, read_checked_bytes, read_docx, read_pdf

REQUEST_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".eml")
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


def request_text_from_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, limits: Limits = DEFAULT_LIMITS) -> str:
    """The request text held in a file; raises ReadError with the reason when it cannot be used."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in REQUEST_SUFFIXES:
        raise ReadError(f"'{path.name}' is not a request file: use one of {', '.join(REQUEST_SUFFIXES)}")
    try:
        data = read_checked_bytes(path, max_bytes=max_bytes)
    except ReadError as exc:
        raise ReadError(f"'{path.name}': {exc}") from exc
    if suffix == ".docx":
        text = read_docx(data, limits).raw_text
    elif suffix == ".pdf":
        text = read_pdf(data, limits).raw_text
    elif suffix == ".eml":
        text = email_body(data)
    else:
        text = decode_text(data)
    text = text.strip()
    if not text:
        raise ReadError(f"no text could be extracted from '{path.name}'")
    return text


def email_body(data: bytes) -> str:
    """The body of an RFC 822 message: the text/plain part, else the text/html part converted to text."""
    message = email.message_from_bytes(data, policy=policy.default)
    if not isinstance(message, EmailMessage) or not (message.keys() or message.get_payload()):
        raise ReadError("the file is not an e-mail message")
    if not any(key.lower() in {"from", "to", "subject", "date", "content-type"} for key in message.keys()):
        raise ReadError("the file has no e-mail headers; save the message as .eml or paste its text")
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise ReadError("the e-mail has no text body (only attachments?)")
    try:
        content = part.get_content()
    except (LookupError, ValueError) as exc:
        raise ReadError(f"the e-mail body cannot be decoded ({exc})") from exc
    if isinstance(content, bytes):
        content = decode_text(content)
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return remove_invisible(content.replace("\r\n", "\n")).strip()


def html_to_text(markup: str) -> str:
    """Text of an HTML e-mail, one line per block or <br>, so numbered questions stay on their own lines."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "head", "template"]):
        tag.decompose()
    drop_hidden(soup)
    lines = [" ".join(line.split()) for line in soup.get_text("\n").split("\n")]
    return "\n".join(line for line in lines if line)
