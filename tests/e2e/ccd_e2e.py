"""What the Python end-to-end scripts share: a test's ccd.yaml with copies of the shipped
routing rules, templates and accounts beside it, and the real ccd started on it."""
import os
import re
import shutil
import subprocess
import sys
import time


def write_config(tmp, src, rest):
    """tmp/config/ccd.yaml naming copies of the shipped routing rules, accounts and template
    catalog (tmp/config, tmp/templates/default), listening on a free loopback port, and `rest`:
    the other top-level sections as YAML text. Returns its path."""
    os.makedirs(os.path.join(tmp, "config"), exist_ok=True)
    shutil.copytree(os.path.join(src, "templates", "default"),
                    os.path.join(tmp, "templates", "default"), dirs_exist_ok=True)
    for name in ("routing.yaml", "agents.yaml", "classification-corpus.jsonl"):
        shutil.copy(os.path.join(src, "config", name), os.path.join(tmp, "config", name))
    cfg = os.path.join(tmp, "config", "ccd.yaml")
    with open(cfg, "w") as f:
        f.write("routing: routing.yaml\nagents: agents.yaml\ntemplates:\n"
                "  path: ../templates/default\nserver:\n  listen: \"127.0.0.1:0\"\n" + rest)
    return cfg


def start_ccd(ccd, cfg, log_path, env=None):
    """Starts `ccd run` and waits until it listens: (process, port). Exits the test when ccd
    ends or does not listen within 120 s (the classifier trains on its corpus first)."""
    proc = subprocess.Popen([ccd, "run", "--config", cfg], stdout=open(log_path, "w"),
                            stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        with open(log_path) as f:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            sys.exit("ccd exited during start-up:\n" + open(log_path).read())
        time.sleep(0.05)
    proc.kill()
    sys.exit("ccd did not start:\n" + open(log_path).read())
