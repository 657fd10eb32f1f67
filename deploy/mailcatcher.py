"""The local stack's mail catcher: a real SMTP server that keeps mail in a folder and shows it on a small web page.

Mail is kept as numbered .eml files; a new start reads the folder and carries on numbering after the highest.
`/` lists every message, `/messages/N` shows one as a person would see it (its HTML, or its text with links,
in a sandboxed frame whose links open in the window), with its attachments listed and downloadable.
"""
from __future__ import annotations

import html
import os
import re
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

URL = re.compile(r"(https?://[^\s<>\"']+)")
HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
ROUTE = re.compile(r"^/messages/(\d+)(?:/(body|raw)|/attachments/(\d+))?/?$")
# the sender's HTML runs without scripts, forms or same-origin rights; a click on a link opens in the window
SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
STYLE = "font-family:sans-serif;max-width:60rem;margin:auto;padding:0 1rem"


def _text_of(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, ValueError):  # an unknown or wrong charset: show what can be read
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def _header(mail: EmailMessage, name: str) -> str:
    return html.escape(str(mail.get(name, "")))


def _linked(text: str) -> str:
    """Plain text as HTML, its web addresses made into links."""
    pieces = URL.split(text)
    return "".join(f"<a href='{html.escape(p)}'>{html.escape(p)}</a>" if i % 2 else html.escape(p)
                   for i, p in enumerate(pieces))


def _page(title: str, body: str) -> bytes:
    return (f"<!doctype html><html lang='nb'><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<body style='{STYLE}'>{body}</body></html>").encode()


NOT_FOUND = _page("Ikke funnet", "<p>Ikke funnet. <a href='/'>Alle meldinger</a></p>")


class MailBox:
    """Received mail by number, read from and written to a folder as .eml files."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.messages: dict[int, EmailMessage] = {}
        for path in folder.glob("*.eml"):
            if path.stem.isdigit():
                self.messages[int(path.stem)] = message_from_bytes(path.read_bytes(), policy=policy.default)

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            number = max(self.messages, default=0) + 1
            path = self.folder / f"{number:05d}.eml"
            partial = self.folder / f".{path.name}.partial"
            partial.write_bytes(envelope.content)
            os.replace(partial, path)
            self.messages[number] = mail
        print(f"[mail] #{number} to {mail['To']}: {mail['Subject']}", flush=True)
        return "250 Message accepted for delivery"

    def get(self, number: int) -> EmailMessage | None:
        with self.lock:
            return self.messages.get(number)

    def index(self) -> bytes:
        with self.lock:
            mails = sorted(self.messages.items(), reverse=True)
        rows = "".join(
            f"<tr><td>{number}</td><td><a href='/messages/{number}'>{_header(mail, 'Subject') or '(uten emne)'}</a>"
            f"</td><td>{_header(mail, 'To')}</td><td>{_header(mail, 'From')}</td><td>{_header(mail, 'Date')}</td>"
            f"<td>{len(list(mail.iter_attachments()))}</td></tr>" for number, mail in mails)
        table = ("<table><tr><th>#</th><th>Emne</th><th>Til</th><th>Fra</th><th>Dato</th><th>Vedlegg</th></tr>"
                 f"{rows}</table>") if mails else "<p>Ingen e-post ennå.</p>"
        return _page("E-post (lokal)", f"<h1>Mottatt e-post ({len(mails)})</h1>{table}")

    def message(self, number: int, mail: EmailMessage) -> bytes:
        attachments = "".join(
            f"<li><a href='/messages/{number}/attachments/{i}'>{html.escape(part.get_filename() or f'vedlegg {i}')}"
            f"</a> ({html.escape(part.get_content_type())}, {len(part.get_payload(decode=True) or b'')} byte)</li>"
            for i, part in enumerate(mail.iter_attachments(), start=1))
        head = "".join(f"<dt>{label}</dt><dd>{_header(mail, name)}</dd>" for label, name in
                       (("Fra", "From"), ("Til", "To"), ("Dato", "Date")))
        return _page(str(mail.get("Subject", "")), (
            f"<p><a href='/'>Alle meldinger</a> &middot; <a href='/messages/{number}/raw'>kilde</a></p>"
            f"<h1>{_header(mail, 'Subject')}</h1><dl>{head}</dl>"
            + (f"<h2>Vedlegg</h2><ul>{attachments}</ul>" if attachments else "")
            + f"<iframe title='Meldingen' src='/messages/{number}/body' sandbox='{SANDBOX}' "
              "style='width:100%;height:70vh;border:1px solid #999'></iframe>"))

    @staticmethod
    def body(mail: EmailMessage) -> bytes:
        """The message's HTML part, else its text with links; links open in the window, not the frame."""
        part = mail.get_body(("html", "plain"))
        if part is None:
            content = "<p>(ingen tekst)</p>"
        elif part.get_content_type() == "text/html":
            content = _text_of(part)
        else:
            content = f"<pre style='white-space:pre-wrap'>{_linked(_text_of(part))}</pre>"
        opens_in_window = "<base target='_top'>"
        if HEAD.search(content):
            return HEAD.sub(lambda head: head.group(0) + opens_in_window, content, count=1).encode()
        return f"<!doctype html><meta charset='utf-8'>{opens_in_window}{content}".encode()

    @staticmethod
    def attachment(mail: EmailMessage, index: int) -> tuple[str, bytes] | None:
        parts = list(mail.iter_attachments())
        if not 1 <= index <= len(parts):
            return None
        part = parts[index - 1]
        return part.get_filename() or f"vedlegg-{index}", part.get_payload(decode=True) or b""


def _handler_for(box: MailBox) -> type[BaseHTTPRequestHandler]:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path in ("/", ""):
                return self._send(box.index())
            route = ROUTE.match(self.path.split("?", 1)[0])
            mail = box.get(int(route.group(1))) if route else None
            if mail is None:
                return self._send(NOT_FOUND, status=404)
            number, view, index = int(route.group(1)), route.group(2), route.group(3)
            if view == "body":
                return self._send(box.body(mail), headers={"Content-Security-Policy": f"sandbox {SANDBOX}"})
            if view == "raw":
                return self._send(mail.as_bytes(), "text/plain; charset=utf-8")
            if index:
                found = box.attachment(mail, int(index))
                if found is None:
                    return self._send(NOT_FOUND, status=404)
                name, data = found
                quoted = name.replace("\\", "_").replace('"', "_").encode("ascii", "replace").decode()
                return self._send(data, "application/octet-stream", headers={
                    "Content-Disposition": f'attachment; filename="{quoted}"', "Content-Security-Policy": "sandbox"})
            return self._send(box.message(number, mail))

        def _send(self, content: bytes, kind: str = "text/html; charset=utf-8", status: int = 200,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(content)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    return Page


def start(folder: Path, smtp_port: int, http_port: int) -> tuple[MailBox, Controller, ThreadingHTTPServer]:
    """Start the SMTP server and the web page; the caller stops both."""
    box = MailBox(folder)
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    web = ThreadingHTTPServer(("127.0.0.1", http_port), _handler_for(box))
    threading.Thread(target=web.serve_forever, daemon=True).start()
    return box, controller, web
