#!/usr/bin/env python3
"""A pecsim state with many plain mailboxes, for batch tests and benchmarks.

    batch_state.py N_ARUBA N_INFOCERT STATE.json INVENTORY.csv [--passwords FILE.csv]

Aruba mailboxes are boxNNNN@pec.it, Legalmail ones boxNNNN@legalmail.it;
none has two-step verification. The login rate limit is raised so that
only the faults a test adds slow anything down. INVENTORY.csv gets the
account column (and, with --secret-env, a secret column naming PW_ARUBA or
PW_INFOCERT); --passwords writes account,password rows for 'vault import'.
"""
import json, sys

args = sys.argv[1:]
secret_env = "--secret-env" in args
args = [a for a in args if a != "--secret-env"]
passwords = None
if "--passwords" in args:
    i = args.index("--passwords")
    passwords = args[i + 1]
    del args[i:i + 2]
n_aruba, n_infocert, state_path, inventory_path = int(args[0]), int(args[1]), args[2], args[3]

ARUBA_PW = "ArubaBatch.2024"
INFOCERT_PW = "Legal!Batch2024"
boxes = []
for i in range(n_aruba):
    boxes.append({"address": "box%04d@pec.it" % i, "provider": "aruba", "password": ARUBA_PW,
                  "twofa": False, "device": None, "app_password": None})
for i in range(n_infocert):
    boxes.append({"address": "box%04d@legalmail.it" % i, "provider": "infocert",
                  "password": INFOCERT_PW, "userid": "M9%06d" % i,
                  "mfa": {"enabled": False, "methods": []}, "password_history": []})
state = {"settings": {"login_rate_per_minute": 1000000, "lockout_threshold": 5,
                      "lockout_seconds": 900}, "mailboxes": boxes}
json.dump(state, open(state_path, "w"), indent=1)
with open(inventory_path, "w") as f:
    f.write("account,secret\n" if secret_env else "account\n")
    for b in boxes:
        if secret_env:
            f.write("%s,env:%s\n" % (b["address"], "PW_ARUBA" if b["provider"] == "aruba" else "PW_INFOCERT"))
        else:
            f.write(b["address"] + "\n")
if passwords:
    with open(passwords, "w") as f:
        f.write("account,password\n")
        for b in boxes:
            f.write("%s,%s\n" % (b["address"], b["password"]))
