"""No original PII value reaches the index database file (nor its WAL), the
events file or a signal, after importing tickets full of PII, drafting for an
open ticket with PII and recording the agent's sent reply. The vault file (mode
0600) is the one place that holds originals, and the agent's draft gets them back."""
import glob
import json
import os
import stat

from hostlib import Env, run_tests

PII = {
    "email": "zoe.kowalski@orbit-mail.example",
    "email2": "billing+eu@kowalski-partners.example",
    "phone": "+48 601 234 567",
    "card": "4539 1488 0343 6467",
    "iban": "DE89 3704 0044 0532 0130 00",
    "ip": "203.0.113.77",
    "name": "Zoe Kowalski",
}


def ticket(i, open_=False):
    t = {
        "id": f"P{i}",
        "subject": f"Refund to card {PII['card']} for {PII['email']}",
        "customer": {"name": PII["name"], "email": PII["email"], "organization": "Orbit"},
        "messages": [
            {"role": "customer", "author": PII["name"],
             "body": f"Hi, I'm {PII['name']}. Please refund card {PII['card']} or wire to "
                     f"IBAN {PII['iban']}. Call {PII['phone']}, copy {PII['email2']}. "
                     f"Our server {PII['ip']} got the receipt."},
        ],
    }
    if not open_:
        t["messages"].append({"role": "agent", "body": f"Refunded, {PII['name']}."})
        t["resolution"] = f"Refund issued to {PII['email']} via the original card."
        t["resolution_code"] = "fixed"
    return t


def read_all(paths):
    data = b""
    for p in paths:
        if os.path.exists(p):
            with open(p, "rb") as f:
                data += f.read()
    return data


def test_no_original_reaches_the_index_or_the_signals():
    env = Env()
    try:
        path = os.path.join(env.dir, "pii.jsonl")
        with open(path, "w") as f:
            for i in range(5):
                f.write(json.dumps(ticket(i)) + "\n")
        env.cli("index", "tickets", path, check=0)
        open_path = os.path.join(env.dir, "open.json")
        with open(open_path, "w") as f:
            json.dump(ticket(99, open_=True), f)
        s = env.native()
        d = s.request("draft.request", ticket=ticket(99, open_=True))["result"]
        # The agent sees the customer's real name back in the draft.
        assert PII["name"] in d["text"], d["text"]
        sent = d["text"] + f"\nI'll also copy {PII['email2']} and call {PII['phone']}."
        assert s.request("feedback.sent", draft_id=d["draft_id"], sent_text=sent)["ok"]
        assert s.request("feedback.rating", draft_id=d["draft_id"], rating="down",
                         comment=f"should mention {PII['iban']}")["ok"]
        # Weak precedent somewhere too, so a knowledge_gap_signal is written.
        g = dict(ticket(100, open_=True))
        g["subject"] = "Quantum entanglement of invoices " + PII["email"]
        s.request("draft.request", ticket=g)
        s.close()
        index_files = glob.glob(env.db) + glob.glob(env.db + "-wal") + glob.glob(env.db + "-shm")
        blob = read_all(index_files) + read_all([env.events])
        assert os.path.getsize(env.db) > 0 and os.path.exists(env.events)
        for kind, value in PII.items():
            for variant in {value, value.replace(" ", "")}:
                assert variant.encode() not in blob, f"{kind} {variant!r} found at rest"
        # The vault holds them, privately.
        vault = read_all(glob.glob(env.db + ".vault*"))
        assert PII["email"].encode() in vault
        assert stat.S_IMODE(os.stat(env.db + ".vault").st_mode) & 0o077 == 0
        assert stat.S_IMODE(os.stat(env.db).st_mode) & 0o077 == 0
    finally:
        env.close()


if __name__ == "__main__":
    run_tests([test_no_original_reaches_the_index_or_the_signals])
