"""The paper's empirical check: the best score released so far against the best in a price band.

Month by month, from the leaderboard table in data/ (Artificial Analysis, as collected by the
paper's authors): the best MMLU-Pro score of any model released up to that month, the best among
models whose price lies in a band (default $0.5 to $1 per million output tokens; a price of 0
means no listed price and is excluded), and the gap between the two.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger("meek")

REQUIRED = ("model", "release_date", "mmlu_pro_pct")
SCORE = "mmlu_pro_pct"


class DataError(ValueError):
    """A data file that cannot be used; the message names the file and the problem."""


def load_leaderboard(path: str | os.PathLike[str], price_column: str,
                     key: str = "paper.empirical") -> pd.DataFrame:
    """Read the leaderboard CSV, checking the columns the check needs.

    Raises
    ------
    DataError
        Missing file or missing column, naming them.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{key}.data={str(path)!r}: no such file")
    try:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""])  # 'n/a' is counted
    except (ValueError, UnicodeDecodeError) as err:
        raise DataError(f"{key}.data={str(path)!r}: not a readable CSV ({type(err).__name__})"
                        ) from None
    if price_column not in df.columns:
        raise DataError(f"{key}.price_column={price_column!r}: no such column in "
                        f"{str(path)!r}; it has {', '.join(df.columns)}")
    for column in REQUIRED:
        if column not in df.columns:
            raise DataError(f"{key}.data={str(path)!r}: column {column!r} is missing; "
                            f"it has {', '.join(df.columns)}")
    df = df.copy()
    where = f"{key}.data={str(path)!r}"
    dates = pd.to_datetime(df["release_date"], errors="coerce", format="mixed")
    bad = dates.isna() & df["release_date"].notna()
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{where}: {int(bad.sum())} of {len(df)} rows have a release_date that "
                        f"is not a date (e.g. row {first + 2}: "
                        f"{str(df['release_date'].iloc[first])!r}); dates look like 2024-06-30")
    if dates.isna().all():
        raise DataError(f"{where}: no row has a release_date")
    df["release_date"] = dates.dt.to_period("M")
    for column, name in ((SCORE, "scores"), (price_column, "prices")):
        values = pd.to_numeric(df[column], errors="coerce")
        infinite = np.isinf(values.to_numpy(dtype=float))
        if infinite.any():
            row = int(np.flatnonzero(infinite)[0])
            raise DataError(f"{where}: {int(infinite.sum())} {name} in column {column!r} are "
                            f"infinite (e.g. row {row + 2}: {str(df[column].iloc[row])!r}); give "
                            "finite numbers or leave the cell empty")
        unreadable = values.isna() & df[column].notna()
        if unreadable.any():  # text where a number belongs (e.g. 'n/a'): counted, left out
            log.warning("%s: %d of %d rows have an unreadable %s in column %r (e.g. %r); "
                        "they are left out", where, int(unreadable.sum()), len(df), name[:-1],
                        column, df[column][unreadable].iloc[0])
        if values.isna().all():
            raise DataError(f"{where}: no row has a readable {name[:-1]} in column {column!r}")
        df[column] = values
    return df


def monthly_gap(df: pd.DataFrame, price_column: str, band: tuple[float, float] = (0.5, 1.0)
                ) -> pd.DataFrame:
    """Best score released so far, best within the price band, and their gap, per month.

    Parameters
    ----------
    df : DataFrame with release_date (monthly Period), mmlu_pro_pct and ``price_column``
    price_column : str
        Price in USD per million tokens; rows with price 0 (no listed price) never count as
        in the band.
    band : (low, high)
        Inclusive price band.

    Returns
    -------
    DataFrame indexed by month with best_overall, best_model, best_in_band, best_band_model and
    gap (percentage points; NaN until a model in the band has a score).

    Example
    -------
    >>> df = pd.DataFrame({"model": ["a", "b"], "mmlu_pro_pct": [50.0, 40.0],
    ...                    "release_date": pd.PeriodIndex(["2024-01", "2024-02"], freq="M"),
    ...                    "price": [10.0, 0.8]})
    >>> monthly_gap(df, "price")["gap"].tolist()
    [nan, 10.0]
    """
    lo, hi = band
    if not (0 <= lo <= hi):
        raise DataError(f"paper.empirical.band={[lo, hi]!r}: needs 0 <= low <= high")
    scored = df[df[SCORE].notna()]
    months = pd.period_range(df["release_date"].min(), df["release_date"].max(), freq="M")
    in_band = scored[(scored[price_column] > 0) & (scored[price_column] >= lo)
                     & (scored[price_column] <= hi)]
    rows = []
    for month in months:
        best = _best(scored[scored["release_date"] <= month])
        best_band = _best(in_band[in_band["release_date"] <= month])
        rows.append({"month": month, "best_overall": best[0], "best_model": best[1],
                     "best_in_band": best_band[0], "best_band_model": best_band[1],
                     "gap": best[0] - best_band[0]})
    return pd.DataFrame(rows).set_index("month")


def _best(rows: pd.DataFrame) -> tuple[float, str]:
    if rows.empty:
        return np.nan, ""
    i = rows[SCORE].idxmax()
    return float(rows.at[i, SCORE]), str(rows.at[i, "model"])
