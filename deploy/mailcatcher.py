"""The local stack's mail catcher: a real SMTP server that keeps mail and shows it on a small web page."""
from __future__ import annotations

import html
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller


class MailBox:
    """Received mail, newest last, also written to a folder as .eml files."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(mail)
            number = len(self.messages)
        (self.folder / f"{number:05d}.eml").write_bytes(envelope.content)
        print(f"[mail] #{number} to {mail['To']}: {mail['Subject']}", flush=True)
        return "250 Message accepted for delivery"

    def page(self) -> bytes:
        with self.lock:
            mails = list(reversed(self.messages))
        rows = []
        for mail in mails:
            body = mail.get_body(("plain",))
            text = body.get_content() if body else ""
            rows.append(f"<article><h2>{html.escape(str(mail['Subject']))}</h2>"
                        f"<p><b>Til:</b> {html.escape(str(mail['To']))} &middot; {html.escape(str(mail['Date']))}</p>"
                        f"<pre>{html.escape(text)}</pre></article>")
        body = "".join(rows) or "<p>Ingen e-post ennå.</p>"
        return (f"<!doctype html><html lang='nb'><meta charset='utf-8'><title>E-post (lokal)</title>"
                f"<body style='font-family:sans-serif;max-width:50rem;margin:auto'><h1>Mottatt e-post ({len(mails)})</h1>"
                f"{body}</body></html>").encode()


def start(folder: Path, smtp_port: int, http_port: int) -> tuple[MailBox, Controller, ThreadingHTTPServer]:
    """Start the SMTP server and the web page; the caller stops both."""
    box = MailBox(folder)
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            content = box.page()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    web = ThreadingHTTPServer(("127.0.0.1", http_port), Page)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    return box, controller, web
