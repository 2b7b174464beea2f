"""Run every benchmark: ``python benchmarks/run_all.py``. Each prints a table and a JSON line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for script in ("op_overhead.py", "mlp_step.py", "numpy_floor.py", "deep_chain.py", "memory.py"):
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=True)
