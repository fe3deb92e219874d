#!/usr/bin/env python3
"""Write load for scripts/crash-loop.sh (Python 3 standard library only).

  crash_load.py setup  BASE            registers and verifies the load's employer
  crash_load.py load   BASE LEDGER TAG [READY]  writes until the server goes away (touches
                                       READY once signed in)
  crash_load.py verify BASE LEDGER     checks every acknowledged write is there

`load` signs in through the API as the career centre (visits, roster imports, destination
registrations) and as the employer (postings), and appends one JSON line to LEDGER for every
write the server acknowledged with a 2xx, flushed before the next request. A roster import is
noted before it is sent ("import_sent") and again when acknowledged, so `verify` can check that
every import, acknowledged or cut off by the kill, is visible with all of its rows or none.
"""

import datetime
import json
import random
import sys
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "Crash-Loop-Password-1"
UNIVERSITY = "4151010610"
EMPLOYER = "91350100M000100Y43"
COHORT = 2027
ROWS = 40


class Gone(Exception):
    """The server stopped answering."""


class Session:
    def __init__(self, base, username):
        self.base = base.rstrip("/")
        self.cookie = None
        self.csrf = None
        me = self.call("POST", "/api/v1/session", {"username": username, "password": PASSWORD})
        self.csrf = me.get("csrf_token")

    def call(self, method, path, body=None, raw=None, ok=(200, 201, 202, 204)):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        if self.csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, text, cookie = r.status, r.read(), r.headers.get("Set-Cookie")
        except urllib.error.HTTPError as e:
            status, text, cookie = e.code, e.read(), None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
            raise Gone(str(e)) from e
        if cookie and "jiuye_session=" in cookie:
            self.cookie = cookie.split(";")[0]
        if status not in ok:
            raise RuntimeError(f"{method} {path}: {status} {text[:300]!r}")
        return json.loads(text) if text else {}


def setup(base):
    career = Session(base, "load_career")
    employer = {"credit_code": EMPLOYER, "name": "成都崩溃测试科技有限公司", "industry_code": "6513", "region_code": "510104"}
    career.call("POST", "/api/v1/employers", employer)


def verify_employer(base):
    province = Session(base, "load_province")
    province.call("POST", f"/api/v1/employers/{EMPLOYER}/verification", {"state": "verified"})


def load(base, ledger_path, tag, ready=None):
    career = Session(base, "load_career")
    hr = Session(base, "load_employer")
    today = datetime.date.today()
    ledger = open(ledger_path, "a", encoding="utf-8")
    if ready:
        # Signed in: the crash loop starts its clock now, so every round writes.
        open(ready, "w").close()

    def note(**rec):
        ledger.write(json.dumps(rec, ensure_ascii=False) + "\n")
        ledger.flush()

    imported = []
    n = 0
    try:
        while True:
            n += 1
            op = random.choice(["visit", "posting", "import", "destination", "destination"])
            if op == "visit":
                notes = f"崩溃测试 {tag}-{n}"
                body = {"unit": UNIVERSITY, "employer": EMPLOYER, "visit_date": today.isoformat(),
                        "form": "on_site", "positions_opened": 1, "notes": notes}
                v = career.call("POST", "/api/v1/visits", body)
                note(kind="visit", id=v["id"], notes=notes)
            elif op == "posting":
                title = f"崩溃测试岗位{tag}-{n}"
                body = {"title": title, "description": "负责软件开发与测试，要求熟悉常用编程语言，按劳动法签订劳动合同，五险一金。",
                        "region": "510104", "position": "13", "education": "bachelor", "majors": [], "openings": 2,
                        "salary_min": 6000, "salary_max": 9000, "deadline": (today + datetime.timedelta(days=30)).isoformat(),
                        "contact": "028-85412345", "apply_method": "平台内投递", "visibility": "province", "scope": "510000"}
                p = hr.call("POST", "/api/v1/postings", body)
                note(kind="posting", id=p["id"], title=title)
            elif op == "import":
                prefix = f"9{tag}{n:04d}"
                rows = [f"{prefix}{i:03d},崩溃测试,男,崩溃测试学院,080901,计算机科学与技术,本科,510104,{COHORT}"
                        for i in range(ROWS)]
                csv = "学号,姓名,性别,院系,专业代码,专业名称,学历层次,生源地,届别\n" + "\n".join(rows) + "\n"
                note(kind="import_sent", prefix=prefix, rows=ROWS)
                q = urllib.parse.urlencode({"university": UNIVERSITY, "cohort": COHORT, "filename": "roster.csv"})
                career.call("POST", f"/api/v1/imports/graduates?{q}", raw=csv.encode("utf-8"))
                note(kind="import", prefix=prefix, rows=ROWS)
                imported.append(prefix)
            elif imported:
                prefix = random.choice(imported)
                found = import_rows(career, prefix)
                todo = [g for g in found if not g.get("dest_code") and g.get("dest_status") in (None, "none", "unregistered", "not_registered")]
                if not todo:
                    continue
                g = random.choice(todo)
                body = {"code": "12", "employer_name": "成都某科技有限公司", "employer_region": "510104",
                        "monthly_pay": 5000, "proof_kind": "offer"}
                career.call("PUT", f"/api/v1/graduates/{g['id']}/destination", body)
                note(kind="destination", id=g["id"], student_no=g["student_no"], code="12")
    except Gone:
        return


def import_rows(career, prefix):
    """The graduates of one import: 学号 = prefix + three digits. The search matches substrings,
    so rows of other imports that merely contain the prefix are left out here."""
    q = urllib.parse.urlencode({"org": UNIVERSITY, "cohort": COHORT, "q": prefix, "limit": 1000})
    items = career.call("GET", f"/api/v1/graduates?{q}")["items"]
    return [g for g in items if g["student_no"].startswith(prefix) and len(g["student_no"]) == len(prefix) + 3]


def verify(base, ledger_path):
    career = Session(base, "load_career")
    hr = Session(base, "load_employer")
    records = [json.loads(line) for line in open(ledger_path, encoding="utf-8") if line.strip()]
    acked = {r["prefix"] for r in records if r["kind"] == "import"}
    counts = {"visit": 0, "posting": 0, "import": 0, "destination": 0, "import_cut_off": 0}
    lost = []
    torn = []
    for r in records:
        kind = r["kind"]
        if kind == "visit":
            v = career.call("GET", f"/api/v1/visits/{r['id']}", ok=(200, 404))
            if v.get("notes") != r["notes"]:
                lost.append(r)
        elif kind == "posting":
            p = hr.call("GET", f"/api/v1/postings/{r['id']}", ok=(200, 404))
            if p.get("title") != r["title"]:
                lost.append(r)
        elif kind in ("import", "import_sent"):
            total = len(import_rows(career, r["prefix"]))
            if kind == "import" and total != r["rows"]:
                lost.append(dict(r, found=total))
            if kind == "import_sent":
                if total not in (0, r["rows"]):
                    torn.append(dict(r, found=total))
                if r["prefix"] not in acked:
                    counts["import_cut_off"] += 1
                continue
        elif kind == "destination":
            g = career.call("GET", f"/api/v1/graduates/{r['id']}", ok=(200, 404))
            d = g.get("destination") or {}
            if d.get("code") != r["code"] or d.get("monthly_pay") != 5000 or g.get("student_no") != r["student_no"]:
                lost.append(r)
        counts[kind] += 1
    print(json.dumps({"acknowledged": sum(v for k, v in counts.items() if k != "import_cut_off"),
                      "by_kind": counts, "lost": len(lost), "torn_imports": len(torn)}, ensure_ascii=False))
    for r in lost[:10]:
        print("LOST", json.dumps(r, ensure_ascii=False), file=sys.stderr)
    for r in torn[:10]:
        print("TORN", json.dumps(r, ensure_ascii=False), file=sys.stderr)
    return 0 if not lost and not torn else 1


def main():
    cmd = sys.argv[1]
    if cmd == "setup":
        setup(sys.argv[2])
    elif cmd == "verify-employer":
        verify_employer(sys.argv[2])
    elif cmd == "load":
        load(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
    elif cmd == "verify":
        sys.exit(verify(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
