"""Run a command and print its peak resident memory (``PEAK_RSS_KB=n``) on stderr."""

from __future__ import annotations

import os
import subprocess
import sys

if __name__ == "__main__":
    proc = subprocess.Popen(sys.argv[1:])
    _, status, usage = os.wait4(proc.pid, 0)
    print(f"PEAK_RSS_KB={usage.ru_maxrss}", file=sys.stderr)
    sys.exit(os.waitstatus_to_exitcode(status))
