"""The examples run: each with a tiny budget (``--smoke --quiet``) writes the figures and
graphs it promises, and at full budget (``slow``) they reach the accuracy they claim.

Examples are imported from ``examples/`` and their ``main(argv) -> dict`` called in-process.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")
pytest.importorskip("tqdm")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# script -> the files it must write into --out
OUTPUTS = {
    "perceptron": ["perceptron.png"],
    "artificial_neuron": ["artificial_neuron.png", "artificial_neuron_graph.svg"],
    "two_layer_network": ["two_layer_network.png", "two_layer_network_graph.svg"],
    "deep_network": ["deep_network.png", "deep_network_graph.svg"],
    "digits": ["digits_curves.png", "digits_confusion.png", "digits_graph.svg", "digits_mlp.npz"],
    "optimizers": ["optimizers.png", "gradient_descent_variants.png"],
    "vanishing_gradients": ["vanishing_gradients.png", "exploding_gradients.png"],
    "graph_visualization": ["graph_expression.svg", "graph_expression.png", "graph_mlp.svg",
                            "graph_mlp.png"],
    "custom_op_gradcheck": ["custom_op_gradcheck.png", "custom_op_gradcheck_graph.svg"],
}
DRAWS_GRAPHS = {name for name, files in OUTPUTS.items() if any(f.endswith(".svg") for f in files)}


def needs_dot(name: str) -> list[pytest.MarkDecorator]:
    """Scripts that render graphs need Graphviz's `dot` program (and the graphviz package)."""
    if name not in DRAWS_GRAPHS:
        return []
    try:
        import graphviz

        graphviz.version()
    except Exception:  # noqa: BLE001 - either the package or the program is missing
        return [pytest.mark.skip(reason="needs graphviz and Graphviz's `dot` program")]
    return []


@pytest.fixture(autouse=True)
def _restore_blas_threads():
    """The examples limit BLAS to one thread; give other tests back what they had."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=None):
        yield


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import ``examples/<name>.py`` (with ``examples/`` on sys.path for ``_common``)."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_outputs(out: Path, files: list[str]) -> None:
    for fname in files:
        path = out / fname
        assert path.is_file(), f"{fname} was not written"
        data = path.read_bytes()
        assert data, f"{fname} is empty"
        if fname.endswith(".png"):
            assert data.startswith(PNG_SIGNATURE), f"{fname} is not a PNG"
        elif fname.endswith(".svg"):
            root = ET.fromstring(data)
            assert root.tag.endswith("svg"), f"{fname}: root element is {root.tag}"


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=needs_dot(n)) for n in OUTPUTS]
)
def test_example_smoke(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture) -> None:
    metrics = load(name, monkeypatch).main(["--smoke", "--quiet", "--out", str(tmp_path)])
    assert isinstance(metrics, dict) and metrics
    check_outputs(tmp_path, OUTPUTS[name])
    assert capsys.readouterr().out.strip(), "the example printed nothing"


def test_example_runs_as_a_script(tmp_path: Path) -> None:
    """The command line works from the project root, as README shows it."""
    result = subprocess.run(
        [sys.executable, "examples/perceptron.py", "--smoke", "--quiet", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout
    check_outputs(tmp_path, OUTPUTS["perceptron"])


def test_logistic_regression_example(monkeypatch: pytest.MonkeyPatch) -> None:
    accuracy = load("logistic_regression", monkeypatch).train(steps=50, quiet=True)
    assert accuracy > 0.9


def test_seeded_examples_repeat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = load("two_layer_network", monkeypatch)
    argv = ["--smoke", "--quiet", "--out", str(tmp_path)]
    assert module.main(argv) == module.main(argv)


@pytest.mark.slow
def test_two_layer_network_accuracy_and_gradients(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = load("two_layer_network", monkeypatch).main(["--quiet", "--out", str(tmp_path)])
    assert metrics["test_accuracy"] >= 0.95
    assert metrics["train_accuracy"] >= 0.95
    assert metrics["grad_max_abs_diff"] < 1e-10  # graph == hand-derived formulas (float64)


@pytest.mark.slow
def test_two_layer_network_moons_accuracy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = load("two_layer_network", monkeypatch).main(
        ["--quiet", "--dataset", "moons", "--out", str(tmp_path)])
    assert metrics["test_accuracy"] >= 0.95


@pytest.mark.slow
def test_digits_accuracy_and_reload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = load("digits", monkeypatch).main(["--quiet", "--out", str(tmp_path)])
    assert metrics["test_accuracy"] >= 0.97
    assert metrics["reload_identical"] is True
    assert metrics["train_seconds"] < 60
