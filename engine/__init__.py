"""meek: Monte Carlo uncertainty and sensitivity analysis of the compute-scaling model of
"Meek Models Shall Inherit the Earth" (Gundlach, Lynch, Thompson 2025, arXiv:2507.07931).

Layers, bottom up: :mod:`engine.model` (the paper's equations, pure numpy), the engine
(priors, designs, simulators, evaluation, reducers, sensitivity, analysis, plots, reports),
``experiments`` (one short script per job, Hydra at the edge) and ``run.py``.
For notebooks: :func:`experiments.api.run`.
"""

__version__ = "0.2.0"
