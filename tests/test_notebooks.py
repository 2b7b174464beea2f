"""The course notebooks run: each executes top to bottom in a fresh Jupyter kernel without
an error, shows its plots inline (image/png outputs) and reaches its key number (an
accuracy, a loss, a gradient check), read from what it printed.

The notebooks in ``notebooks/`` are the only source of truth and are stored without
outputs; they run here with their working folder in ``tmp_path``, and the kernel's
Jupyter, IPython and matplotlib folders in pytest's temporary folder too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell: generous for a busy CI machine, yet no hang forever


def _number(text: str, label: str) -> float:
    """The number printed after ``label:`` (the last time it was printed)."""
    found = re.findall(rf"^{re.escape(label)}: (\S+)", text, flags=re.MULTILINE)
    assert found, f"the notebook did not print {label!r}"
    return float(found[-1])


def _decreased(text: str) -> bool:
    """``log-loss: <first> -> <last>`` went down."""
    first, last = map(float, re.findall(r"^log-loss: (\S+) -> (\S+)$", text, re.MULTILINE)[-1])
    return last < first


# notebook -> its key claims, checked on everything it printed
CHECKS: dict[str, Callable[[str], None]] = {}


def check(name: str) -> Callable[[Callable[[str], None]], Callable[[str], None]]:
    def register(fn: Callable[[str], None]) -> Callable[[str], None]:
        CHECKS[name] = fn
        return fn
    return register


@check("01_artificial_neuron")
def _artificial_neuron(out: str) -> None:
    assert _number(out, "largest difference") < 1e-6   # autograd == the course's formulas
    assert _decreased(out)
    assert _number(out, "training accuracy") >= 0.9


@check("02_two_layer_network")
def _two_layer_network(out: str) -> None:
    assert _number(out, "largest difference") < 1e-6   # dZ2 = A2 - y and the rest, by hand
    assert _decreased(out)
    assert _number(out, "test accuracy") >= 0.9


@check("03_vanishing_gradients")
def _vanishing_gradients(out: str) -> None:
    assert _number(out, "first/last layer gradient ratio, sigmoid") < 1e-4
    assert _number(out, "first/last layer gradient ratio, ReLU") > 1e-2
    assert "vanishing gradients" in out   # the monitor's warning
    assert _number(out, "final log-loss, sigmoid, Xavier init") > 0.5   # stuck near log 2
    assert _number(out, "final log-loss, ReLU, He init") < 0.2


@check("04_optimizers")
def _optimizers(out: str) -> None:
    final = {name: _number(out, f"final loss {name}")
             for name in ("SGD", "SGD + momentum", "RMSprop", "Adam")}
    assert final["Adam"] < 0.15
    assert max(final["SGD + momentum"], final["RMSprop"], final["Adam"]) < final["SGD"]


@check("05_digits_mlp")
def _digits_mlp(out: str) -> None:
    assert _number(out, "test accuracy") >= 0.9


@check("06_custom_op_gradcheck")
def _custom_op_gradcheck(out: str) -> None:
    assert "gradcheck(Swish): True" in out
    assert "BuggySwish caught: True" in out
    assert "gradcheck passed on 20 of 20 random inputs" in out


@check("07_graph_visualization")
def _graph_visualization(out: str) -> None:
    assert "gradients a, b, c, f: [6.0, -4.0, -2.0, 4.0]" in out
    assert "digraph {" in out   # the DOT text from ag.to_dot


def test_every_notebook_has_its_checks() -> None:
    assert NOTEBOOKS, "no notebooks found"
    assert sorted(CHECKS) == [nb.stem for nb in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean(path: Path) -> None:
    """No outputs or execution counts in the repository: the notebook is its source, and
    a student's run (or this test's) is never committed. Plots are set up inline."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "%matplotlib inline" in "".join(code[0]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown"   # each opens by telling its story


@pytest.fixture(scope="module")  # the environment is restored after this file
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``python3`` kernel of this interpreter importing this checkout, with every folder
    Jupyter, IPython and matplotlib write to inside pytest's temporary folder."""
    # Looked up, not imported: the kernel imports them, this process need not.
    for modules, extra in [(("nbclient", "nbformat", "ipykernel", "jupyter_client"), "dev"),
                           (("matplotlib", "sklearn", "matplotlib_inline"), "examples")]:
        missing = [m for m in modules if importlib.util.find_spec(m) is None]
        if missing:
            pytest.skip(f"the notebooks need the {extra} extra (missing: {', '.join(missing)})")
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "path" / "kernels" / "python3"
    spec.mkdir(parents=True)
    # Named python3 like the notebooks' kernelspec; JUPYTER_PATH comes first in the search,
    # so it wins over a user's python3 that might run another interpreter.
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (autograd-lite tests)", "language": "python",
    }))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(home / "path"))
        for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
                         ("MPLCONFIGDIR", "matplotlib")]:
            (home / sub).mkdir()
            mp.setenv(var, str(home / sub))
        # The kernel runs in tmp_path: put this checkout first on its path, as `python -m
        # pytest` does for the tests themselves.
        mp.setenv("PYTHONPATH", str(ROOT), prepend=os.pathsep)
        # A headless CI may set MPLBACKEND=Agg, which draws nothing in a notebook; the
        # inline backend renders each figure as a PNG output (what %matplotlib inline sets).
        mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        # Small matrices: a second BLAS thread costs more than it gains on 2 busy cores.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            mp.setenv(var, "1")
        mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # a debugger warning per kernel
        yield "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_reaches_its_numbers(path: Path, kernel: str,
                                               tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # Raises CellExecutionError, with the failing cell and its traceback, on any error.
    NotebookClient(nb, kernel_name=kernel, timeout=CELL_TIMEOUT,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout")
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 1, "no inline plot"
    CHECKS[path.stem](text)
