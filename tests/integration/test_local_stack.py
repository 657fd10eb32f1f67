"""The local stack on real processes: what exits is reported and started again, mail and data outlive a restart."""
from __future__ import annotations

import json
import os
import signal
import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
from pymongo import MongoClient

from deploy import mailcatcher, standins
from deploy.localstack import SECRETS, ServerWatch, local_secrets
from deploy.stack import ROOT, Backoff, Stack
from tests.conftest import wait_until
from tests.integration.conftest import ADMIN_TOKEN, LINK_SIGNING_KEY, SERVICE_TOKEN


def _stack(tmp_path: Path, mongo_uri: str, ports: dict[str, int], backoff: Backoff) -> Stack:
    env = {**os.environ, "MONGODB_URI": mongo_uri, "TESTING": "1", "PYTHONPATH": str(ROOT),
           "ADMIN_TOKEN": ADMIN_TOKEN, "SERVICE_TOKEN": SERVICE_TOKEN, "LINK_SIGNING_KEY": LINK_SIGNING_KEY,
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    stack = Stack(env, ports, tmp_path / "logs", metrics_ports={"nosuch": standins.free_port()}, backoff=backoff)
    stack.logdir.mkdir(parents=True, exist_ok=True)
    return stack


def answers(url: str) -> bool:
    """Whether the address answers 200 now (a server still booting may accept and not answer yet)."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _until_restarted(watched, name: str) -> list[str]:
    said: list[str] = []

    def restarted() -> bool:
        said.extend(watched.restart_exited())
        return any(line.startswith(f"{name} started again") for line in said)

    wait_until(restarted, timeout=20, message=lambda: f"{name} to start again; said {said}")
    return said


def test_backoff_doubles_while_a_process_dies_at_start_up_and_starts_over_once_it_ran_a_while():
    backoff = Backoff(first=1, longest=8, settled=30)
    assert [backoff.delay("matcher-worker", ran_for=0.5) for _ in range(5)] == [1, 2, 4, 8, 8]
    assert backoff.delay("matcher-worker", ran_for=60) == 1


def test_an_api_killed_with_sigkill_is_reported_and_started_again_and_answers(tmp_path, mongo_uri):
    port = standins.free_port()
    stack = _stack(tmp_path, mongo_uri, {"needs": port}, Backoff(first=0.2))
    stack.start_api("needs")
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz"), timeout=30)
        killed = stack.processes["needs-api"]
        assert stack.restart_exited() == []
        os.kill(killed.pid, signal.SIGKILL)

        said = _until_restarted(stack, "needs-api")

        assert said[0] == (f"needs-api exited (killed by SIGKILL); starting it again in 0 s; "
                           f"log: {tmp_path / 'logs' / 'needs-api.log'}")
        assert killed.returncode == -signal.SIGKILL
        assert stack.processes["needs-api"].pid != killed.pid
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz"), timeout=30)
    finally:
        stack.stop()


def test_a_process_that_dies_at_start_up_waits_out_its_backoff_before_each_new_start(tmp_path, mongo_uri):
    stack = _stack(tmp_path, mongo_uri, {}, Backoff(first=0.5))
    stack.start_worker("nosuch")
    try:
        wait_until(lambda: stack.processes["nosuch-worker"].poll() is not None, timeout=20)
        assert stack.restart_exited() == [f"nosuch-worker exited (exit code 1); starting it again in 0 s; "
                                          f"log: {tmp_path / 'logs' / 'nosuch-worker.log'}"]
        assert stack.restart_exited() == []  # not yet: its half second has not passed

        said = _until_restarted(stack, "nosuch-worker")
        wait_until(lambda: stack.processes["nosuch-worker"].poll() is not None, timeout=20)
        said = stack.restart_exited()

        assert said == [f"nosuch-worker exited (exit code 1); starting it again in 1 s; "
                        f"log: {tmp_path / 'logs' / 'nosuch-worker.log'}"]
    finally:
        stack.stop()
    assert stack.restart_exited() == []  # a stopped process is not started again


def _send(port: int, subject: str, html: str | None = None, attachment: tuple[str, bytes] | None = None) -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "frivillig@localhost", "kari@example.no", subject
    mail.set_content("Svar her: http://127.0.0.1:8000/svar?kode=a1&ja=1\n")
    if html:
        mail.add_alternative(html, subtype="html")
    if attachment:
        mail.add_attachment(attachment[1], maintype="text", subtype="calendar", filename=attachment[0])
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(mail)


def _catcher(folder: Path):
    smtp_port, web_port = standins.free_port(), standins.free_port()
    box, controller, web = mailcatcher.start(folder, smtp_port, web_port)
    return smtp_port, f"http://127.0.0.1:{web_port}", lambda: (controller.stop(), web.shutdown(), web.server_close())


def test_the_mail_catcher_keeps_and_numbers_mail_across_starts_and_shows_it_as_a_person_sees_it(tmp_path):
    folder = tmp_path / "mail"
    smtp_port, web, stop = _catcher(folder)
    try:
        _send(smtp_port, "Forslag <til deg>", html="<p>Hei!</p><a href='http://127.0.0.1:8000/svar?kode=a1'>Svar</a>",
              attachment=("oppdrag.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))
        _send(smtp_port, "Bare tekst")
    finally:
        stop()

    smtp_port, web, stop = _catcher(folder)
    try:
        _send(smtp_port, "Etter omstart")

        assert sorted(path.name for path in folder.glob("*.eml")) == ["00001.eml", "00002.eml", "00003.eml"]
        index = requests.get(web + "/", timeout=5).text
        assert "Mottatt e-post (3)" in index and "Etter omstart" in index and "Bare tekst" in index
        page = requests.get(web + "/messages/1", timeout=5).text
        assert "Forslag &lt;til deg&gt;" in page and "<til deg>" not in page
        assert "frivillig@localhost" in page and "kari@example.no" in page
        assert "<a href='/messages/1/attachments/1'>oppdrag.ics</a> (text/calendar" in page
        assert "src='/messages/1/body' sandbox=" in page
        body = requests.get(web + "/messages/1/body", timeout=5)
        assert "<a href='http://127.0.0.1:8000/svar?kode=a1'>Svar</a>" in body.text
        assert body.headers["Content-Security-Policy"].startswith("sandbox ")
        assert "<base target='_top'>" in body.text
        text = requests.get(web + "/messages/2/body", timeout=5).text
        assert "<a href='http://127.0.0.1:8000/svar?kode=a1&amp;ja=1'>" in text
        attachment = requests.get(web + "/messages/1/attachments/1", timeout=5)
        assert attachment.content == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        assert 'filename="oppdrag.ics"' in attachment.headers["Content-Disposition"]
        assert requests.get(web + "/messages/9", timeout=5).status_code == 404
    finally:
        stop()


@pytest.mark.parametrize("stop", ["stop", "sigkill"])
def test_the_database_stand_in_with_a_data_dir_keeps_a_document_across_a_stop_and_a_start(tmp_path, stop):
    server = standins.Server("mongodb", standins.free_port(), tmp_path, data_dir=tmp_path / "db").start()
    try:
        with MongoClient(f"mongodb://{server.address}", serverSelectionTimeoutMS=3000) as client:
            client.needs.organisations.insert_one({"_id": "org-1", "name": "Test"})
        if stop == "sigkill":
            server.process.kill()
            server.process.wait(timeout=10)
        else:
            server.stop()
        server.start()
        with MongoClient(f"mongodb://{server.address}", serverSelectionTimeoutMS=3000) as client:
            assert client.needs.organisations.find_one({"_id": "org-1"}) == {"_id": "org-1", "name": "Test"}
    finally:
        server.stop()


def test_a_database_that_died_is_started_again_by_the_watch_with_its_data(tmp_path):
    server = standins.Server("mongodb", standins.free_port(), tmp_path, data_dir=tmp_path / "db").start()
    watch = ServerWatch(Backoff(first=0.1))
    watch.watch(server)
    try:
        with MongoClient(f"mongodb://{server.address}", serverSelectionTimeoutMS=3000) as client:
            client.matcher.matches.insert_one({"_id": "m-1"})
        os.kill(server.process.pid, signal.SIGKILL)

        said = _until_restarted(watch, "mongodb")

        assert said[0].startswith(f"mongodb {server.address} exited (killed by SIGKILL)")
        with MongoClient(f"mongodb://{server.address}", serverSelectionTimeoutMS=3000) as client:
            assert client.matcher.matches.find_one({"_id": "m-1"}) == {"_id": "m-1"}
    finally:
        server.stop()


def test_the_local_secrets_are_made_once_and_a_kept_file_without_the_web_session_key_gets_it_added(tmp_path):
    made = local_secrets(tmp_path)
    assert set(made) == set(SECRETS) and len(set(made.values())) == len(SECRETS)
    assert all(len(value.encode()) >= 32 for value in made.values())
    assert local_secrets(tmp_path) == made
    older = {name: made[name] for name in ("ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY")}
    (tmp_path / "secrets.json").write_text(json.dumps(older))  # as a run before WEB_SESSION_KEY kept it

    now = local_secrets(tmp_path)

    assert {name: now[name] for name in older} == older  # links mailed earlier still work
    assert now["WEB_SESSION_KEY"] and now["WEB_SESSION_KEY"] not in older.values()
    assert json.loads((tmp_path / "secrets.json").read_text()) == now
