"""Protected rates -> class breaks and colours for maps.

Maps that readers compare (every district on the citywide heat map, the same
indicator year after year) share one set of breaks, computed here once from published
values only. Withheld, omitted and empty cells are never classified: they are drawn
in their own neutral colour and named in the legend.

Schemes are a small registry, as in mapclassify's own API: an unknown name is
rejected with the list of valid ones.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mapclassify
import numpy as np

#: Break schemes by name: (values, k) -> upper bounds of the classes.
SCHEMES: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "fisher_jenks": lambda y, k: mapclassify.FisherJenks(y, k=k).bins,
    "quantiles": lambda y, k: mapclassify.Quantiles(y, k=k).bins,
    "equal_interval": lambda y, k: mapclassify.EqualInterval(y, k=k).bins,
}

#: A five-class sequential palette, light to dark (ColorBrewer OrRd).
PALETTE: tuple[str, ...] = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
#: Colour of an area whose value may not be shown (withheld, omitted, no students).
NO_DATA = "#d9d9d9"


@dataclass(frozen=True)
class Classes:
    """The smallest value, the upper bound of each class (the last is the maximum), and
    the classes' colours."""

    lowest: float
    bounds: tuple[float, ...]
    colours: tuple[str, ...]

    def colour(self, value: float | None) -> str:
        """The colour of ``value``; :data:`NO_DATA` for a value that is not shown."""
        if value is None or np.isnan(value):
            return NO_DATA
        index = int(np.searchsorted(np.asarray(self.bounds), value, side="left"))
        return self.colours[min(index, len(self.colours) - 1)]

    def ranges(self) -> list[tuple[float, float]]:
        """(lower, upper) of each class; the first lower bound is the smallest value."""
        if not self.bounds:  # no value may be shown: no classes
            return []
        lowers = (self.lowest, *self.bounds[:-1])
        return list(zip(lowers, self.bounds, strict=True))


def class_breaks(
    values: Sequence[float] | np.ndarray, *, k: int = 5, scheme: str = "fisher_jenks"
) -> Classes:
    """Classify the shown values; fewer distinct values than ``k`` give fewer classes."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown class scheme {scheme!r}; choose one of {sorted(SCHEMES)}")
    y = np.asarray(values, dtype=float)
    y = y[~np.isnan(y)]
    if y.size == 0:
        return Classes(np.nan, (), ())
    k = min(k, len(np.unique(y)), len(PALETTE))
    if k < 2:
        return Classes(float(y.min()), (float(y.max()),), (PALETTE[-1],))
    with warnings.catch_warnings():
        # Without numba mapclassify says Fisher-Jenks runs in pure Python: for a few
        # hundred areas that is fast enough, and not worth a compiler as a dependency.
        warnings.filterwarnings("ignore", message="Numba not installed")
        bounds = tuple(float(b) for b in SCHEMES[scheme](y, k))
    return Classes(float(y.min()), bounds, _spread(len(bounds)))


def _spread(n: int) -> tuple[str, ...]:
    """``n`` colours from the palette, spread from lightest to darkest."""
    picks = np.round(np.linspace(0, len(PALETTE) - 1, n)).astype(int)
    return tuple(PALETTE[i] for i in picks)
