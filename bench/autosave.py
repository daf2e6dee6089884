"""Exam day over real HTTP: the start spike, autosave throughput against the stack's ceiling, autosave latency
with 200 connections, and a check that every acknowledged save is in the database.

    python bench/autosave.py --db postgresql     # a throw-away database on 127.0.0.1:5432
    python bench/autosave.py --db sqlite         # a throw-away SQLite file

What it does:
1. A fresh database with the shipped banks, blueprints and eligibility rules; N candidates (default 2,000),
   enrolled, trained and seated in one sitting of 碳排放管理员 四级 监测 (100 items), a paper prepared for each.
2. gunicorn serving `bench.autosave_app:app` (the app as `wsgi:app` serves it, plus the ceiling endpoint: one raw
   upsert per request through the same gunicorn, Flask, SQLAlchemy Core and driver).
3. Start spike: every candidate starts within one minute (Poisson arrivals), through the real start endpoint.
4. Throughput: alternately the ceiling endpoint and the real autosave endpoint, closed loop (each connection
   sends its next request when the last is answered), --runs times each; medians reported.
5. Latency: 200 connections saving open loop at half the measured autosave throughput (what exam day asks is a
   steady stream, not a saturated server: at saturation any closed loop's latency is connections ÷ throughput).
6. Lost: every save the server acknowledged as saved is looked up in the answer journal and the answers table.

The load generator is a small asyncio HTTP/1.1 client in this process (keep-alive; a new connection when the
server closes one). Its CPU is taken from the same two cores for the ceiling and the autosave runs alike.
The last line is:
    autosave db=… saves_per_s=… ceiling_per_s=… ratio=… p50_ms=… p99_ms=… lost=0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BLUEPRINT, PROGRAM, LEVEL, WORK_TYPE = "cm-l4-monitoring", "carbon_manager", "L4", "monitoring"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


# ---- set-up -------------------------------------------------------------------------------------------------------

def _env(url: str, instance: Path) -> dict[str, str]:
    return {**os.environ, "FLASK_APP": "wsgi", "EXAMENGINE_DATABASE_URL": url, "EXAMENGINE_INSTANCE_PATH":
            str(instance), "EXAMENGINE_SECRET_KEY": "bench-" + secrets.token_hex(8), "EXAMENGINE_DB_POOL_SIZE": "12",
            "PYTHONPATH": str(ROOT)}


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def prepare(url: str, env: dict[str, str], candidates: int) -> tuple[str, dict[str, str]]:
    """Load the shipped bank and seat `candidates` candidates; returns (sitting code, {token: username})."""
    for args in (("db", "upgrade"), ("bank", "load"), ("papers", "load"), ("proctor", "load")):
        _flask(env, *args)
    os.environ.update({k: v for k, v in env.items() if k.startswith("EXAMENGINE_")})
    from sqlalchemy import insert, select

    from examengine import create_app
    from examengine.auth.models import ApiToken, User
    from examengine.auth.service import _hash_token
    from examengine.bank.service import get_program
    from examengine.db import db, utcnow
    from examengine.proctor import idcard, service
    from examengine.proctor.models import Candidate, Enrolment, TrainingRecord

    admin = User(id=None, username="bench", role="admin", active=True)
    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    tokens: dict[str, str] = {}
    with app.app_context():
        program = get_program(PROGRAM)
        now = utcnow()
        users = [{"username": f"bench{i:05d}", "display_name": f"考生{i}", "role": "candidate",
                  "password_hash": "!", "active": True, "created_at": now} for i in range(candidates)]
        db.session.execute(insert(User), users)
        ids = dict(db.session.execute(select(User.username, User.id).where(User.username.like("bench%"))).all())
        cands, token_rows = [], []
        for i in range(candidates):
            first17 = f"440306{1980 + i % 20}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
            number = first17 + idcard.check_digit(first17)
            cands.append({"user_id": ids[f"bench{i:05d}"], "id_number": number, "name": f"考生{i}", "gender": "M",
                          "birth_date": date(1990, 1, 1), "education": "bachelor", "phone": "13800000000",
                          "related_work_years": Decimal("4"), "registered_at": now, "ethnicity": "", "employer": "",
                          "industry": "发电", "email": "", "training_base": "", "batch": "bench"})
            token = "ee_" + secrets.token_urlsafe(24)
            tokens[token] = f"bench{i:05d}"
            token_rows.append({"user_id": ids[f"bench{i:05d}"], "token_hash": _hash_token(token), "name": "bench",
                               "created_at": now, "expires_at": now + timedelta(days=1)})
        db.session.execute(insert(Candidate), cands)
        db.session.execute(insert(ApiToken), token_rows)
        cand_ids = list(db.session.scalars(select(Candidate.id)))
        today = date.today()
        db.session.execute(insert(TrainingRecord), [
            {"candidate_id": c, "program_id": program.id, "level": LEVEL, "work_type": "", "hours": Decimal("80"),
             "course_hours": Decimal("80"), "source": "bench", "recorded_at": now} for c in cand_ids])
        db.session.execute(insert(Enrolment), [
            {"candidate_id": c, "program_id": program.id, "level": LEVEL, "work_type": WORK_TYPE,
             "enrolled_on": today - timedelta(days=30), "valid_until": today + timedelta(days=150),
             "basis": "bachelor", "created_at": now} for c in cand_ids])
        db.session.commit()
        code = "bench-sitting"
        service.create_sitting(admin, code, BLUEPRINT, now - timedelta(minutes=1), now + timedelta(hours=3),
                               late_entry_minutes=120)
        seated = service.seat_candidates(admin, code)
        if seated.refused:
            raise SystemExit(f"set-up: {len(seated.refused)} candidates refused a seat: {seated.refused}")
        service.prepare_papers(admin, code, seed=7)
        db.session.remove()
    return code, tokens


# ---- a small HTTP/1.1 load generator -------------------------------------------------------------------------

class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            try:
                self.writer.write(head.encode() + body)
                raw = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
                continue
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            fields = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            data = await self.reader.readexactly(int(fields.get("content-length", "0")))
            if fields.get("connection", "").lower() == "close":
                self.close()
            return status, data
        raise RuntimeError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


class Sessions:
    """The started sessions with their keys and layouts; hands out the next save with a growing sequence."""

    def __init__(self, rows: list[tuple[int, str, list]]) -> None:
        self.rows = rows
        self.seq: dict[tuple[int, int], int] = {}
        self.acked: list[tuple[int, int, int]] = []
        self.rng = random.Random(11)

    def next_save(self) -> tuple[int, str, int, bytes, int]:
        sid, key, layout = self.rows[self.rng.randrange(len(self.rows))]
        pos = self.rng.randrange(1, len(layout) + 1)
        t, n_opt = layout[pos - 1]
        k = (sid, pos)
        seq = self.seq[k] = self.seq.get(k, 0) + 1
        response = {"single": lambda: "ABCD"[seq % max(1, min(4, n_opt))], "truefalse": lambda: seq % 2 == 0,
                    "multi": lambda: ["A", "B", "C"][: 1 + seq % 3],
                    "short": lambda: "组织边界、运行边界、排放源识别、活动数据收集、排放因子选择。" * 2}[t]()
        return sid, key, pos, json.dumps({"response": response, "seq": seq, "flagged": False}).encode(), seq


class Tally:
    """Latencies and outcomes of one run's requests."""

    def __init__(self) -> None:
        self.lat: list[float] = []
        self.done = 0
        self.errors = 0

    async def send(self, c: Conn, make) -> None:
        method, path, headers, body, on_ok = make()
        t0 = time.perf_counter()
        status, data = await c.request(method, path, headers, body)
        self.lat.append((time.perf_counter() - t0) * 1000)
        if status == 200:
            self.done += 1
            on_ok(data)
        else:
            self.errors += 1


async def closed_loop(port: int, conns: int, seconds: float, make) -> tuple[int, list[float], int]:
    """`conns` connections, each sending its next request when the last is answered."""
    tally = Tally()
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        c = Conn(port)
        while time.perf_counter() < stop:
            await tally.send(c, make)
        c.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    return int(tally.done / (time.perf_counter() - t0)), tally.lat, tally.errors


async def open_loop(port: int, conns: int, rate: float, seconds: float, make) -> tuple[float, list[float], int]:
    """`conns` connections sharing a steady stream of `rate` requests per second (each connection sends its share
    at evenly spaced times; a late answer delays only that connection's next request)."""
    tally = Tally()
    interval = conns / rate
    t_end = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        c = Conn(port)
        due = time.perf_counter() + interval * i / conns
        while due <= t_end:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await tally.send(c, make)
            due += interval
        c.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(conns)))
    return tally.done / (time.perf_counter() - t0), tally.lat, tally.errors


async def start_spike(port: int, sitting: str, tokens: list[str], seconds: float) -> tuple[list[float], list, int]:
    """Every candidate starts once within `seconds`, at Poisson-like random times."""
    rng = random.Random(5)
    offsets = sorted(rng.uniform(0, seconds) for _ in tokens)
    lat: list[float] = []
    started: list[tuple[int, str]] = []
    errors = 0
    sem = asyncio.Semaphore(400)
    t0 = time.perf_counter()

    async def one(token: str, at: float) -> None:
        nonlocal errors
        await asyncio.sleep(max(0.0, t0 + at - time.perf_counter()))
        async with sem:
            c = Conn(port)
            t = time.perf_counter()
            status, data = await c.request("POST", f"/api/v1/sittings/{sitting}/session",
                                           {"Authorization": f"Bearer {token}"})
            lat.append((time.perf_counter() - t) * 1000)
            c.close()
        if status == 201:
            body = json.loads(data)
            started.append((body["session_id"], body["key"]))
        else:
            errors += 1

    await asyncio.gather(*(one(tok, off) for tok, off in zip(tokens, offsets, strict=True)))
    return lat, started, errors


# ---- the run ------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, workers: int, timeout: float = 90) -> None:
    """Until every worker answers: the socket accepts as soon as the master binds it, before the workers have
    loaded the app, and the start spike must not count their boot time."""
    import urllib.request

    stop = time.time() + timeout
    answered = 0
    while time.time() < stop and answered < 20 * workers:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/bench/ceiling/warm-{answered}", method="PUT",
                                         data=b"{}", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=5) as resp:
                answered += resp.status == 200
        except OSError:
            time.sleep(0.2)
    if answered < 20 * workers:
        raise SystemExit("gunicorn did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--candidates", type=int, default=2000)
    ap.add_argument("--spike-seconds", type=float, default=60)
    ap.add_argument("--connections", type=int, default=200, help="connections of the throughput and latency runs")
    ap.add_argument("--seconds", type=float, default=8, help="length of each throughput run")
    ap.add_argument("--latency-seconds", type=float, default=15)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, help="gunicorn workers (default: 2 on PostgreSQL, 1 on SQLite)")
    ap.add_argument("--threads", type=int, help="threads per worker (default: 8 on PostgreSQL, 4 on SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the database and instance folder")
    args = ap.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="examengine-bench-"))
    db_name = f"examengine_bench_{os.getpid()}"
    if args.db == "postgresql":
        subprocess.run(["psql", PG_ADMIN, "-qc", f"CREATE DATABASE {db_name}"], check=True)
        url = f"postgresql://postgres@127.0.0.1:5432/{db_name}"
    else:
        url = f"sqlite:///{instance / 'bench.sqlite3'}"
    env = _env(url, instance)
    workers = args.workers or (2 if args.db == "postgresql" else 1)
    args.threads = args.threads or (8 if args.db == "postgresql" else 4)
    server = None
    try:
        t = time.perf_counter()
        sitting, token_map = prepare(url, env, args.candidates)
        print(f"set-up: {len(token_map)} candidates seated with papers in {time.perf_counter() - t:.0f} s",
              flush=True)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(args.threads),
             "-b", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", "bench.autosave_app:app"],
            env=env, cwd=ROOT, start_new_session=True)
        wait_for(port, workers)
        time.sleep(2)  # let every worker finish booting
        results = run(port, sitting, list(token_map), args, url)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        if not args.keep:
            if args.db == "postgresql":
                subprocess.run(["psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"])
            shutil.rmtree(instance, ignore_errors=True)
    report(args, workers, results)


def run(port: int, sitting: str, tokens: list[str], args, url: str) -> dict:
    out: dict = {}
    lat, started, errors = asyncio.run(start_spike(port, sitting, tokens, args.spike_seconds))
    out["spike"] = (len(started), errors, pct(lat, 0.5), pct(lat, 0.99), max(lat) if lat else 0)
    print(f"start spike: {len(started)} started, {errors} errors, p50 {pct(lat, .5):.1f} ms, "
          f"p99 {pct(lat, .99):.1f} ms", flush=True)

    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        layouts = dict(conn.execute(text("SELECT id, layout FROM exam_sessions")).all())
    rows = [(sid, key, layouts[sid] if isinstance(layouts[sid], list) else json.loads(layouts[sid]))
            for sid, key in started]
    pool = Sessions(rows)

    def make_save():
        sid, key, pos, body, seq = pool.next_save()

        def ok(data: bytes, sid=sid, pos=pos, seq=seq) -> None:
            if b'"saved"' in data:
                pool.acked.append((sid, pos, seq))

        return ("PUT", f"/api/v1/sessions/{sid}/answers/{pos}", {"X-Exam-Key": key, "Content-Type":
                                                                 "application/json"}, body, ok)

    counter = iter(range(10**9))

    def make_ceiling():
        k = next(counter) % 20000
        return ("PUT", f"/bench/ceiling/{k}", {"Content-Type": "application/json"},
                b'{"response": "A", "seq": 1}', lambda data: None)

    ceilings, saves, save_lat, ceil_lat, errs = [], [], [], [], 0
    asyncio.run(closed_loop(port, args.connections, 2, make_ceiling))  # warm every worker and connection pool
    for r in range(args.runs):
        c, cl, ce = asyncio.run(closed_loop(port, args.connections, args.seconds, make_ceiling))
        s, sl, se = asyncio.run(closed_loop(port, args.connections, args.seconds, make_save))
        ceilings.append(c)
        saves.append(s)
        ceil_lat += cl
        save_lat += sl
        errs += ce + se
        print(f"run {r + 1}: ceiling {c}/s, autosave {s}/s", flush=True)
    out["ceiling"] = int(statistics.median(ceilings))
    out["saves"] = int(statistics.median(saves))
    out["closed"] = (pct(save_lat, .5), pct(save_lat, .99), pct(ceil_lat, .5), pct(ceil_lat, .99), errs)
    rate = out["saves"] / 2
    achieved, lat, lerr = asyncio.run(open_loop(port, 200, rate, args.latency_seconds, make_save))
    out["latency"] = (rate, achieved, pct(lat, .5), pct(lat, .99), max(lat) if lat else 0, lerr)
    print(f"latency: 200 connections at {rate:.0f}/s: p50 {pct(lat, .5):.1f} ms, p99 {pct(lat, .99):.1f} ms",
          flush=True)

    # Every save the server acknowledged as saved must be in the journal and not newer-than in the answers.
    with engine.connect() as conn:
        journal = set(conn.execute(text("SELECT session_id, position, seq FROM answer_journal WHERE kind = 'save'"))
                      .all())
        answers = dict(((s, p), q) for s, p, q in conn.execute(text("SELECT session_id, position, seq FROM answers")))
        broken = conn.execute(text("SELECT count(*) FROM exam_sessions")).scalar()
    lost = sum(1 for a in pool.acked if a not in journal or answers.get(a[:2], 0) < a[2])
    out["acked"] = len(pool.acked)
    out["lost"] = lost
    out["sessions"] = broken
    engine.dispose()
    return out


def report(args, workers: int, r: dict) -> None:
    n, spike_err, sp50, sp99, spmax = r["spike"]
    sv50, sv99, c50, c99, errs = r["closed"]
    rate, achieved, l50, l99, lmax, lerr = r["latency"]
    ratio = r["saves"] / r["ceiling"] if r["ceiling"] else 0.0
    print()
    print(f"gunicorn: {workers} workers x {args.threads} threads (gthread); database: {args.db}; "
          f"{args.runs} closed-loop runs of {args.seconds:.0f} s with {args.connections} connections each")
    print("| measure | value |")
    print("|---|---|")
    print(f"| starts within {args.spike_seconds:.0f} s | {n} started, {spike_err} refused or failed |")
    print(f"| start latency p50 / p99 / max | {sp50:.1f} / {sp99:.1f} / {spmax:.1f} ms |")
    print(f"| ceiling: one raw upsert per request (median) | {r['ceiling']}/s |")
    print(f"| autosave, closed loop (median) | {r['saves']}/s |")
    print(f"| ratio autosave / ceiling | {ratio:.2f} |")
    print(f"| closed loop latency p50 / p99: autosave | {sv50:.1f} / {sv99:.1f} ms |")
    print(f"| closed loop latency p50 / p99: ceiling | {c50:.1f} / {c99:.1f} ms |")
    print(f"| autosave, 200 connections at {rate:.0f}/s (achieved {achieved:.0f}/s) p50 / p99 / max | "
          f"{l50:.1f} / {l99:.1f} / {lmax:.1f} ms |")
    print(f"| non-200 answers in the throughput and latency runs | {errs + lerr} |")
    print(f"| saves acknowledged / missing from the database | {r['acked']} / {r['lost']} |")
    print(f"autosave db={args.db} saves_per_s={r['saves']} ceiling_per_s={r['ceiling']} ratio={ratio:.2f} "
          f"p50_ms={l50:.1f} p99_ms={l99:.1f} lost={r['lost']}")


if __name__ == "__main__":
    main()
