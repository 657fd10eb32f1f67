"""The channels' adapters: e-mail over SMTP and SMS through the HTTP gateway."""
from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

import requests
from email_validator import EmailNotValidError, validate_email

from shared.config import Config
from services.notify.messages import Attachment, Message


class TransientFailure(Exception):
    """Worth trying again later (server down, timeout, 4xx SMTP reply, 5xx from the gateway)."""


class PermanentFailure(Exception):
    """Will not succeed however often it is tried (address refused, request rejected)."""


def _without(address: str, text: str) -> str:
    """An error text for the delivery log, with the recipient's address taken out."""
    return text.replace(address, "<recipient>") if address else text


# Headers are folded only past RFC 5322's hard limit: the standard library's folding before an encoded word
# keeps the space and adds one, so a folded Norwegian subject read back as "med  «Besøksvenn»".
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)


def deliverable(address: str) -> str:
    """The address as mail servers take it: an international domain in its ASCII (punycode) form, which every server
    accepts; a name before the @ that is not ASCII stays as it is, for a server that offers SMTPUTF8."""
    try:
        return validate_email(address, check_deliverability=False).ascii_email or address
    except EmailNotValidError:
        return address


class SmtpSender:
    """Sends one e-mail with a text and an HTML part, after STARTTLS and a login when they are configured."""

    def __init__(self, config: Config, timeout: float = 10.0):
        self.config = config
        self.timeout = timeout

    def send(self, to: str, message: Message, message_id: str) -> None:
        """Deliver one e-mail; PermanentFailure or TransientFailure say whether to try again."""
        mail = EmailMessage(policy=MAIL_POLICY)
        mail["From"] = self.config.smtp_from
        to = deliverable(to)
        mail["To"] = to
        mail["Subject"] = message.subject
        mail["Message-ID"] = message_id
        mail["Date"] = formatdate(localtime=False)
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        if message.attachment is not None:
            _attach(mail, message.attachment)
        try:
            with smtplib.SMTP(self.config.smtp_host, self.config.smtp_port, timeout=self.timeout) as smtp:
                self._open(smtp)
                smtp.send_message(mail, mail_options=() if to.isascii() else ("SMTPUTF8",))
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            refused = f"recipient refused: SMTP {code} {reply.decode(errors='replace')}"
            kind = PermanentFailure if 500 <= code < 600 else TransientFailure
            raise kind(_without(to, refused)) from exc
        except smtplib.SMTPAuthenticationError as exc:  # the login is wrong: fixed by an operator, so not given up
            raise TransientFailure(f"SMTP login refused: {exc.smtp_code}") from exc
        except smtplib.SMTPResponseException as exc:
            kind = PermanentFailure if 500 <= exc.smtp_code < 600 else TransientFailure
            raise kind(_without(to, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientFailure(_without(to, f"SMTP unavailable: {exc}")) from exc

    def _open(self, smtp: smtplib.SMTP) -> None:
        """STARTTLS (the server's certificate verified against the system's trust store) and the login."""
        if self.config.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if self.config.smtp_username:
            smtp.login(self.config.smtp_username, self.config.smtp_password)


def _attach(mail: EmailMessage, attachment: Attachment) -> None:
    """Add a file to the mail with its content type and parameters as given (e.g. a calendar's method)."""
    header = policy.default.header_factory("content-type", attachment.content_type)
    mail.add_attachment(attachment.data, maintype=header.maintype, subtype=header.subtype,
                        filename=attachment.filename, params=dict(header.params))


class SmsSender:
    """Posts {"to", "text"} to the SMS gateway."""

    def __init__(self, config: Config, session: requests.Session | None = None, timeout: float = 10.0):
        self.url = config.sms_gateway_url
        self.session = session or requests.Session()
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def send(self, to: str, text: str, key: str) -> None:
        """Hand one SMS to the gateway; the key lets the gateway drop a resent copy."""
        try:
            response = self.session.post(self.url, json={"to": to, "text": text},
                                         headers={"Idempotency-Key": key}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientFailure(f"SMS gateway unavailable: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientFailure(f"SMS gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentFailure(_without(to, f"SMS gateway refused: {response.status_code} {response.text[:200]}"))
