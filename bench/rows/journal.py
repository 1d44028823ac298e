"""Row 10: journal write latency, SQLite and PostgreSQL side by side
(examples/journal_write.rs), with PostgreSQL at `synchronous_commit=off` alongside
to show how much of its time is the commit's wait for the disk."""

import os
import statistics

from .common import EXAMPLES, OURS, fmt, postgres_settings, run_json, table

SUBMISSIONS = 300
RUNS = 3
VARIANT = "synchronous_commit=off"
OPS = (("claim", "`claim` (duplicate look + row, before the create is sent)"),
       ("mark_created", "`mark_created`"), ("record_status", "`record_status`"))


def argv(submissions=SUBMISSIONS):
    return [str(EXAMPLES / "journal_write"), "--submissions", str(submissions), "--variant", VARIANT]


def journal(opts):
    loads = [os.getloadavg()[0]]
    runs = []
    for _ in range(opts.n(RUNS, 1)):
        runs.append(run_json(argv(60 if opts.quick else SUBMISSIONS)))
        loads.append(os.getloadavg()[0])

    def med(backend, op, key="median"):
        return statistics.median(r[backend][op][key] for r in runs)

    def each(backend, op):
        return ", ".join(fmt(r[backend][op]["median"]) for r in runs)

    rows = []
    for op, label in OPS:
        lite, pg, off = med("sqlite", op), med("postgres", op), med("postgres_variant", op)
        rows.append([label, f"{fmt(lite)} ({each('sqlite', op)})", fmt(med("sqlite", op, "p90")),
                     f"{fmt(pg)} ({each('postgres', op)})", fmt(med("postgres", op, "p90")), fmt(pg / lite),
                     f"{fmt(off)} ({each('postgres_variant', op)})"])
    settings = postgres_settings(["synchronous_commit", "wal_sync_method", "commit_delay", "fsync"])
    details = table(["write", "SQLite median ms (runs)", "p90", "PostgreSQL median ms (runs)", "p90",
                     "PG / SQLite", f"PG with `{VARIANT}` (diagnostic)"], rows)
    details += (
        f"\n\n{len(runs)} runs of {runs[0]['submissions']} submissions per backend; in each run the backends take "
        "turns submission by submission, so load on the machine hurts them alike. Medians of the runs' medians "
        "(p90: median of the runs' p90). Load average (1 min) before and after the runs: "
        + ", ".join(f"{v:.1f}" for v in loads) + f", on {os.cpu_count()} cores. SQLite: the journal file in a "
        "temporary folder (WAL, `synchronous=FULL`). PostgreSQL: a fresh schema on the local server "
        "(`SEEDANCE_TEST_DATABASE_URL`, default `postgres://root@127.0.0.1:5432/test`) over TCP loopback, "
        f"server settings {', '.join(f'{k}={v}' for k, v in settings.items())}. The last column is a third "
        f"journal on its own schema whose connections set `{VARIANT}` (the commit does not wait for the WAL "
        "to reach the disk), measured in the same turns: a diagnostic of where PostgreSQL's time goes, not "
        "a setting the server uses. Reproduce: `cargo build --release --example journal_write && "
        f"target/release/examples/journal_write --submissions {SUBMISSIONS} --variant {VARIANT}`.")
    claim = med("postgres", "claim")
    return {
        "summary": [{
            "measure": "journal `claim` before a create is sent (median)",
            "target": "– (a create takes 300+ ms)",
            "values": {OURS: f"SQLite {fmt(med('sqlite', 'claim'))} ms, PostgreSQL {fmt(claim)} ms"},
            "met": None,
        }, {
            "measure": "journal `mark_created` / `record_status` (median)",
            "target": "–",
            "values": {OURS: f"SQLite {fmt(med('sqlite', 'mark_created'))} / {fmt(med('sqlite', 'record_status'))}"
                             f" ms, PostgreSQL {fmt(med('postgres', 'mark_created'))} / "
                             f"{fmt(med('postgres', 'record_status'))} ms"},
            "met": None,
        }],
        "details": details,
        "data": {"runs": runs, "loads": loads, "settings": settings},
    }
