"""How well the voices fit the faces: measurements, report and plots (``face2voice evaluate``).

    from face2voice.evaluation import evaluate
    report = evaluate("examples/", "report/", backends=["embedded"])
    report.backends["embedded"].matching.results

See ``docs/EVALUATION.md`` for what each figure means and the current numbers for ``examples/``.
"""

from .config import EvalConfig
from .report import EvaluationReport
from .runner import evaluate

__all__ = ["EvalConfig", "EvaluationReport", "evaluate"]
