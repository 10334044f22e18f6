"""Published compute-optimal scaling laws, each a (A, alpha, L0) triple that belongs together.

A fit of L(N, D) = E + A'/N^a + B'/D^b with C = 6 N D is turned into the compute-optimal loss by
minimising over N at fixed C: a A' N^-a = b B' D^-b at the optimum, so

    N* = G (C/6)^(b/(a+b)),  G = (a A' / (b B'))^(1/(a+b)),  D* = C / (6 N*),
    L(C) = E + A C^-alpha,   alpha = a b / (a + b),   A = (A' G^-a + B' G^b) 6^alpha.

Mixing one fit's alpha with another's A gives loss curves no data support; a fit is always drawn
as a unit.

References
----------
J. Hoffmann et al., "Training Compute-Optimal Large Language Models", arXiv:2203.15556 (2022).
T. Besiroglu, E. Erdil, M. Barnett, J. You, "Chinchilla Scaling: A replication attempt",
arXiv:2404.10102 (2024).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ParametricFit:
    """L(N, D) = E + A'/N^a + B'/D^b, as published."""

    E: float
    A_prime: float
    B_prime: float
    a: float
    b: float

    def compute_optimal(self) -> tuple[float, float, float]:
        """(A, alpha, L0) of the compute-optimal loss L(C) = L0 + A C^-alpha.

        Example
        -------
        >>> [round(v, 4) for v in HOFFMANN.compute_optimal()]
        [1071.3649, 0.1535, 1.69]
        """
        a, b = self.a, self.b
        alpha = a * b / (a + b)
        g = (a * self.A_prime / (b * self.B_prime)) ** (1.0 / (a + b))
        big_a = (self.A_prime * g ** -a + self.B_prime * g ** b) * 6.0 ** alpha
        return big_a, alpha, self.E


#: Hoffmann et al. 2022, approach 3 (as printed in the paper).
HOFFMANN = ParametricFit(E=1.69, A_prime=406.4, B_prime=410.7, a=0.34, b=0.28)
#: Besiroglu et al. 2024, refit on the data extracted from Hoffmann et al.'s figure 4.
BESIROGLU = ParametricFit(E=1.82, A_prime=482.01, B_prime=2085.43, a=0.3478, b=0.3658)
#: The authors' rounding of Hoffmann's compute-optimal law (A, alpha, L0).
PAPER_LAW = (1070.0, 0.154, 1.7)


def loss_at(law: tuple[float, float, float], compute_flop: float) -> float:
    """L(C) of a compute-optimal law (A, alpha, L0).

    Example
    -------
    >>> round(loss_at(BESIROGLU.compute_optimal(), 1e22), 3)
    2.144
    """
    big_a, alpha, l0 = law
    return big_a * math.exp(-alpha * math.log(compute_flop)) + l0
