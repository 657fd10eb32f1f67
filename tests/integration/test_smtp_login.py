"""Notify's e-mail over a real SMTP server that asks for a login and STARTTLS, as a municipality's relay does."""
from __future__ import annotations

import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from deploy import standins
from shared.config import Config
from services.notify.messages import Message
from services.notify.senders import SmtpSender, TransientFailure
from tests.conftest import MailCatcher

SUBJECT = "Kan du hjelpe Fjell bo- og omsorgssenter (Drammen kommune) med «Besøksvenn»?"
MESSAGE = Message(SUBJECT, "Hei!", "<p>Hei!</p>", "Hei!")


def _accepts(login: str, password: str):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            login.encode(), password.encode())
        return AuthResult(success=ok, handled=False)  # unhandled: the server answers 535 itself
    return authenticate


@pytest.fixture
def relay(tmp_path):
    """An SMTP server on loopback that offers STARTTLS with a certificate for 127.0.0.1 and needs a login."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    catcher = MailCatcher(standins.free_port())
    controller = Controller(catcher, hostname="127.0.0.1", port=catcher.port, tls_context=tls, require_starttls=True,
                            auth_required=True, authenticator=_accepts("frivillig", "hemmelig"))
    controller.start()
    yield catcher, cert
    controller.stop()


def _sender(catcher: MailCatcher, **settings) -> SmtpSender:
    return SmtpSender(Config(smtp_port=catcher.port, testing=True, **settings), timeout=5)


def test_mail_goes_out_after_starttls_and_the_login_with_its_subject_intact(relay, monkeypatch):
    catcher, cert = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the relay's certificate is the one trusted here
    _sender(catcher, smtp_starttls=True, smtp_username="frivillig", smtp_password="hemmelig").send(
        "kari@example.no", MESSAGE, "<m1@frivillig>")
    [mail] = catcher.messages
    assert mail.envelope_to == ["kari@example.no"] and str(mail.message["Subject"]) == SUBJECT


def test_a_wrong_login_is_a_failure_to_try_again_not_a_lost_message(relay, monkeypatch):
    catcher, cert = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with pytest.raises(TransientFailure, match="login refused"):
        _sender(catcher, smtp_starttls=True, smtp_username="frivillig", smtp_password="feil").send(
            "kari@example.no", MESSAGE, "<m2@frivillig>")
    assert catcher.messages == []


def test_a_certificate_that_is_not_trusted_stops_the_mail_before_the_login_is_sent(relay, monkeypatch, tmp_path):
    catcher, _ = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nothing-trusted.pem"))
    with pytest.raises(TransientFailure, match="SMTP unavailable"):
        _sender(catcher, smtp_starttls=True, smtp_username="frivillig", smtp_password="hemmelig").send(
            "kari@example.no", MESSAGE, "<m3@frivillig>")
    assert catcher.messages == []


def test_mail_to_an_international_domain_reaches_a_server_without_smtputf8_in_punycode(smtp_server):
    config = Config(smtp_host="127.0.0.1", smtp_port=smtp_server.port)
    SmtpSender(config).send("kari@bæ.no", MESSAGE, "<idn-1@frivillig.example>")
    [mail] = smtp_server.to("kari@xn--b-4fa.no")
    assert mail.message["To"] == "kari@xn--b-4fa.no"
