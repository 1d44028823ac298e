"""Row 6: peak memory of the release binary while it downloads a 50 MiB result and
while it uploads a large image, against the xskill fake running as its own process
(examples/fake_provider.rs)."""

import base64
import json
import os
import struct
import subprocess
import time
import zlib

from .common import (BINARY, MIB, OURS, base_env, fake_provider, fmt, fmt_spread, ours, proc_status,
                     scratch, spread, structured, table)

RESULT_BYTES = 50 * MIB
BIG_IMAGE_BYTES = 30 * MIB
ACCEPTED_IMAGE_BYTES = 9 * MIB        # below the 10 MB upload limit
DOWNLOAD_TARGET_MIB = 30
UPLOAD_TARGET_MIB = 40


def _image(path, size):
    """A file the content checks take for a 4000x3000 PNG (signature and IHDR, then
    filler up to `size`): the server reads headers, not pixels."""
    ihdr = struct.pack(">IIBBBBB", 4000, 3000, 8, 2, 0, 0, 0)
    header = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
              + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))
    with open(path, "wb") as out:
        out.write(header)
        chunk = bytes(range(256)) * 4096
        left = size - len(header)
        while left > 0:
            out.write(chunk[:left])
            left -= len(chunk)
    return path


def _fresh(path):
    path.mkdir(parents=True)
    return path


TIME = "/usr/bin/time"


def peak_of_run(argv, env, cwd, timeout=300):
    """Runs a command to its end; returns exit code, stdout, stderr and its peak RSS
    in MiB. The peak comes from GNU time's %M: `ru_maxrss` of a child forked from
    this Python harness would start at the harness's own size, which grows when a
    row reads big files."""
    marker = "SEEDANCE_BENCH_PEAK_KB="
    with open(cwd / "stdout.txt", "w+b") as out, open(cwd / "stderr.txt", "w+b") as err:
        proc = subprocess.Popen([TIME, "-f", marker + "%M", *argv], stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, env=env, cwd=str(cwd))
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = err.read().decode()
        kept = [line for line in text.splitlines()
                if not line.startswith(marker) and not line.startswith("Command exited with non-zero status")]
        peaks = [line[len(marker):] for line in text.splitlines() if line.startswith(marker)]
        if not peaks:
            raise RuntimeError(f"{TIME} reported no peak: {text[-500:]}")
        return proc.returncode, out.read().decode(), "\n".join(kept), int(peaks[-1]) / 1024


def _cli_env(fake, dirs):
    # Local images live one folder up (shared by the runs), so it is an allowed folder.
    return base_env({**fake.env, "SEEDANCE_DATA_DIR": str(dirs / "journal"),
                     "SEEDANCE_OUTPUT_DIR": str(dirs / "output"),
                     "SEEDANCE_ALLOWED_DIRS": str(dirs.parent)})


def cli_download(fake, dirs):
    """CLI `submit --wait`: saves the 50 MiB result."""
    code, out, err, peak = peak_of_run(
        [str(BINARY), "submit", "--prompt", "a kite over a grey sea", "--wait"], _cli_env(fake, dirs), dirs)
    files = json.loads(out).get("local_files", []) if code == 0 else []
    size = os.path.getsize(files[0]) if files else 0
    if size != RESULT_BYTES:
        raise RuntimeError(f"download run saved {size} bytes (exit {code}): {err[-500:]}")
    return {"peak_MiB": peak, "exit": code, "saved_bytes": size}


def mcp_download(fake, dirs):
    """MCP over stdio: get_task saves the result inside the long-lived server."""
    session = ours(fake, dirs).session()
    session.initialize()
    before = proc_status(session.pid)
    result, _ = session.call("submit_task", {"prompt": "a lighthouse in fog, slow pan"})
    result, seconds = session.call("get_task", {"task_id": structured(result)["task_id"]})
    after = proc_status(session.pid)
    session.close()
    saved = structured(result).get("local_files", [])
    size = os.path.getsize(saved[0]) if saved else 0
    if size != RESULT_BYTES:
        raise RuntimeError(f"get_task saved {size} bytes: {result}")
    return {"peak_MiB": after["VmHWM"], "before_MiB": before["VmHWM"], "seconds": seconds, "saved_bytes": size}


def cli_upload(fake, dirs, image):
    """CLI `upload --file`."""
    code, _, err, peak = peak_of_run([str(BINARY), "upload", "--file", str(image)], _cli_env(fake, dirs), dirs)
    outcome = "uploaded" if code == 0 else (err.strip().splitlines() or ["?"])[-1][:400]
    return {"peak_MiB": peak, "exit": code, "outcome": outcome}


def mcp_upload(fake, dirs, image):
    """MCP `upload_image` with the image as base64 in the request."""
    session = ours(fake, dirs).session()
    session.initialize()
    before = proc_status(session.pid)
    result, _ = session.call("upload_image", {"image_data": base64.b64encode(image.read_bytes()).decode()})
    after = proc_status(session.pid)
    session.close()
    return {"peak_MiB": after["VmHWM"], "before_MiB": before["VmHWM"], "url": structured(result).get("url")}


def ark_data_url(fake, dirs, image):
    """CLI `submit` with a local 30 MiB image to the Ark fake: sent as a data URL,
    base64-encoded while streaming."""
    env = _cli_env(fake, dirs)
    code, _, err, peak = peak_of_run(
        [str(BINARY), "submit", "--prompt", "@image_file_1 turns slowly on a table", "--duration", "5",
         "--image-file", str(image)], env, dirs)
    outcome = "sent" if code == 0 else (err.strip().splitlines() or ["?"])[-1][:400]
    if code != 0:
        raise RuntimeError(f"the Ark data URL run failed: {outcome}")
    return {"peak_MiB": peak, "exit": code, "outcome": outcome}


def memory(opts):
    runs = opts.n(3, 1)
    found = {}
    with scratch("memory") as dirs:
        big = _image(dirs / "big.png", BIG_IMAGE_BYTES)
        accepted = _image(dirs / "accepted.png", ACCEPTED_IMAGE_BYTES)
        measures = {
            "cli_download": cli_download,
            "mcp_download": mcp_download,
            "cli_upload_30": lambda fake, d: cli_upload(fake, d, big),
            "cli_upload_9": lambda fake, d: cli_upload(fake, d, accepted),
            "mcp_upload_9": lambda fake, d: mcp_upload(fake, d, accepted),
        }
        with fake_provider(pending_polls=0, processing_polls=0, result_bytes=RESULT_BYTES) as fake:
            for key, measure in measures.items():
                runs_of = [measure(fake, _fresh(dirs / f"{key}-{n}")) for n in range(runs)]
                found[key] = {**runs_of[-1], "peak": spread([r["peak_MiB"] for r in runs_of])}
                found[key]["peak_MiB"] = found[key]["peak"]["median"]
        with fake_provider(provider="byteplus") as fake:
            runs_of = [ark_data_url(fake, _fresh(dirs / f"ark-{n}"), big) for n in range(runs)]
            found["ark_data_url_30"] = {**runs_of[-1], "peak": spread([r["peak_MiB"] for r in runs_of])}
            found["ark_data_url_30"]["peak_MiB"] = found["ark_data_url_30"]["peak"]["median"]

    d = found
    rows = [
        ["CLI `submit --wait` (saves the 50 MiB result)", "cli_download", f"< {DOWNLOAD_TARGET_MIB}",
         f"exit {d['cli_download']['exit']}, saved {d['cli_download']['saved_bytes']:,} bytes"],
        ["MCP stdio `get_task` (saves the 50 MiB result)", "mcp_download", f"< {DOWNLOAD_TARGET_MIB}",
         f"peak before the call {fmt(d['mcp_download']['before_MiB'], 1)} MiB; "
         f"the call took {fmt(d['mcp_download']['seconds'], 2)} s"],
        ["CLI `submit` with a local 30 MiB PNG to the Ark fake (streamed data URL)", "ark_data_url_30",
         f"< {UPLOAD_TARGET_MIB}", f"exit {d['ark_data_url_30']['exit']}: {d['ark_data_url_30']['outcome']}"],
        ["CLI `upload --file` 30 MiB PNG (xskill)", "cli_upload_30", "–",
         f"exit {d['cli_upload_30']['exit']}: {d['cli_upload_30']['outcome']}"],
        ["CLI `upload --file` 9 MiB PNG", "cli_upload_9", "–",
         f"exit {d['cli_upload_9']['exit']}: {d['cli_upload_9']['outcome']}"],
        ["MCP stdio `upload_image`, 9 MiB as base64 `image_data`", "mcp_upload_9", "–",
         f"peak before the call {fmt(d['mcp_upload_9']['before_MiB'], 1)} MiB"],
    ]
    rows = [[what, fmt_spread(d[key]["peak"], "", 1), target, notes] for what, key, target, notes in rows]
    details = table(["what the release binary does", "peak RSS, MiB", "target, MiB", "notes"], rows)
    details += (f"\n\nMedian of {runs} runs each, every one a fresh process. CLI peaks are GNU time's `%M` (the peak of the whole run; a child's own `ru_maxrss` would start at the Python harness's size); MCP peaks are "
                "VmHWM from `/proc/PID/status` of the live server right after the answer. The fake "
                "(`examples/fake_provider.rs`, its own process) serves the result as one 50 MiB body with a "
                "Content-Length. Images are a PNG signature and a 4000x3000 IHDR followed by filler (the server "
                "checks headers, not pixels). The Ark row sends the file as a `data:` URL base64-encoded while "
                "streaming the request. xskill's upload endpoint takes at most 10 MB, so its 30 MiB upload is "
                "refused before anything is sent.")
    download_peak = max(d["cli_download"]["peak_MiB"], d["mcp_download"]["peak_MiB"])
    return {
        "summary": [
            {"measure": "peak RSS while saving a 50 MiB video (CLI / MCP)",
             "target": f"< {DOWNLOAD_TARGET_MIB} MiB",
             "values": {OURS: f"{fmt(d['cli_download']['peak_MiB'], 1)} / "
                              f"{fmt(d['mcp_download']['peak_MiB'], 1)} MiB"},
             "met": download_peak < DOWNLOAD_TARGET_MIB},
            {"measure": "peak RSS sending a 30 MiB local image to the Ark fake as a data URL",
             "target": f"< {UPLOAD_TARGET_MIB} MiB",
             "values": {OURS: f"{fmt(d['ark_data_url_30']['peak_MiB'], 1)} MiB; xskill `upload --file` "
                              f"9 MiB: {fmt(d['cli_upload_9']['peak_MiB'], 1)} MiB"},
             "met": d["ark_data_url_30"]["peak_MiB"] < UPLOAD_TARGET_MIB},
        ],
        "details": details,
        "data": found,
    }
