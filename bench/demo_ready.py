"""How long a fresh install takes to serve its demo: `eplanning demo` on an empty SQLite file
until its first page answers 200 (migrations, seeding the Medan story, starting the server).

    .venv/bin/python bench/demo_ready.py
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from load import free_port  # noqa: E402

TARGET_S = 15.0


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="eplanning-demo-ready-"))
    port = free_port()
    env = dict(os.environ, EPLANNING_DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite'}",
               EPLANNING_TENANTS_DIR=str(common.TENANTS_DIR), EPLANNING_INSTANCE_PATH=str(folder))
    command = [str(Path(sys.executable).parent / "eplanning"), "demo", "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=folder, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    seconds = None
    try:
        while time.perf_counter() - started < 120:
            if process.poll() is not None:
                raise SystemExit("eplanning demo stopped:\n" + process.stdout.read())
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    if response.status == 200:
                        seconds = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)
    if seconds is None:
        raise SystemExit("the demo did not answer within 120 s")
    print(f"demo ready to serve in {seconds:.1f} s (target < {TARGET_S:.0f} s)")
    common.save_result("demo-ready", {"seconds": round(seconds, 2), "target_s": TARGET_S,
                                      "met": seconds < TARGET_S})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
