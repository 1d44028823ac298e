"""Row 10: journal write latency, SQLite and PostgreSQL side by side
(examples/journal_write.rs)."""

from .common import EXAMPLES, OURS, fmt, run_json, table

SUBMISSIONS = 300


def argv(submissions=SUBMISSIONS):
    return [str(EXAMPLES / "journal_write"), "--submissions", str(submissions)]


def journal(opts):
    data = run_json(argv(60 if opts.quick else SUBMISSIONS))
    rows = []
    for op, label in (("claim", "`claim` (duplicate look + row, before the create is sent)"),
                      ("mark_created", "`mark_created`"), ("record_status", "`record_status`")):
        lite, pg = data["sqlite"][op], data["postgres"][op]
        rows.append([label, fmt(lite["median"]), fmt(lite["p90"]), fmt(pg["median"]), fmt(pg["p90"]),
                     fmt(pg["median"] / lite["median"])])
    details = table(["write", "SQLite median ms", "p90", "PostgreSQL median ms", "p90", "PG / SQLite (median)"],
                    rows)
    details += (
        f"\n\n{data['submissions']} submissions per backend, alternating between the two so that load on the "
        "machine hurts both alike. SQLite: the journal file in a temporary folder (WAL, `synchronous=FULL`). "
        "PostgreSQL: a fresh schema on the local server (`SEEDANCE_TEST_DATABASE_URL`, default "
        "`postgres://root@127.0.0.1:5432/test`), default settings (`synchronous_commit=on`), over TCP "
        "loopback. Reproduce: `cargo build --release --example journal_write && "
        "target/release/examples/journal_write --submissions 300`.")
    claim = data["postgres"]["claim"]["median"]
    return {
        "summary": [{
            "measure": "journal `claim` before a create is sent (median)",
            "target": "– (a create takes 300+ ms)",
            "values": {OURS: f"SQLite {fmt(data['sqlite']['claim']['median'])} ms, "
                             f"PostgreSQL {fmt(claim)} ms"},
            "met": None,
        }],
        "details": details,
        "data": data,
    }
