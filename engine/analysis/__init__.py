"""From saved scenarios to labelled result Datasets: fans, outcome summaries, Sobol', Morris.

Everything here reads Datasets (or reducer results) and returns Datasets; figures are drawn
from what these functions return, once saved.
"""
