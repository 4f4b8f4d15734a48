#!/usr/bin/env python3
"""The Python reference for tools/bench-batch: the Aruba password change
with requests + lxml, as a script someone would write. One requests.Session
per mailbox (as pecctl has one session per mailbox), forms read with lxml,
THREADS worker threads.

    bench-python.py CONNECT_HOST:PORT CAFILE ACCOUNTS_FILE PASSWORD NEW_PASSWORD THREADS
"""
import sys
import threading

import lxml.html
import requests
import urllib3.util.connection

connect, cafile, accounts_file, password, new_password, threads = sys.argv[1:7]
sim_host, sim_port = connect.rsplit(":", 1)

# Every portal host goes to the emulator, keeping its name for TLS and
# cookies (what curl's --connect-to does).
_create = urllib3.util.connection.create_connection


def create_connection(address, *args, **kwargs):
    return _create((sim_host, int(sim_port)), *args, **kwargs)


urllib3.util.connection.create_connection = create_connection

BASE = "https://gestionemail.pec.it"


def form_fields(html, form_id):
    doc = lxml.html.fromstring(html)
    form = doc.get_element_by_id(form_id)
    return {i.get("name"): i.get("value") or "" for i in form.xpath(".//input[@name]")}


def change(account):
    with requests.Session() as s:
        # the emulator's CA, not whatever REQUESTS_CA_BUNDLE says
        s.trust_env = False
        s.verify = cafile
        r = s.get(BASE + "/")
        fields = form_fields(r.text, "login")
        fields.update(casella=account, password=password)
        s.post(BASE + "/login", data=fields)
        r = s.get(BASE + "/cambio-password")
        fields = form_fields(r.text, "cambio-password")
        fields.update(password_attuale=password, nuova_password=new_password,
                      ripeti_password=new_password)
        r = s.post(BASE + "/cambio-password", data=fields)
        return "modificata correttamente" in r.text


accounts = [line.strip() for line in open(accounts_file) if "@" in line]
lock = threading.Lock()
counts = {"ok": 0, "failed": 0}
queue = iter(accounts)


def worker():
    while True:
        with lock:
            account = next(queue, None)
        if account is None:
            return
        try:
            good = change(account)
        except Exception:
            good = False
        with lock:
            counts["ok" if good else "failed"] += 1


pool = [threading.Thread(target=worker) for _ in range(int(threads))]
for t in pool:
    t.start()
for t in pool:
    t.join()
print("ok %d failed %d" % (counts["ok"], counts["failed"]))
sys.exit(1 if counts["failed"] else 0)
