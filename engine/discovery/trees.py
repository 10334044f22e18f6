"""Second views of the same question with scikit-learn: a CART tree and feature scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cart_rules(x: np.ndarray, y: np.ndarray, names: Sequence[str], depth: int, seed: int
               ) -> tuple[str, float]:
    """A shallow classification tree's rules as text, and its accuracy on the scenarios."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=max(5, len(y) // 200),
                                  random_state=seed)
    tree.fit(x, y)
    text = export_text(tree, feature_names=list(names), show_weights=True, decimals=3)
    return text, float(tree.score(x, y))


def feature_scores(x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """How much each input separates the cases: extra-trees impurity importances (sum 1)."""
    from sklearn.ensemble import ExtraTreesClassifier

    model = ExtraTreesClassifier(n_estimators=200, min_samples_leaf=max(2, len(y) // 1000),
                                 random_state=seed, n_jobs=1)
    model.fit(x, y)
    return np.asarray(model.feature_importances_, dtype=float)
