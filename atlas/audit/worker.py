"""A worker process of the audit (:class:`atlas.audit.equations._Worker`): reads
``(solver, jobs)`` pickled on its standard input (a solver of
:mod:`atlas.audit.equations` by name, and its arguments for each job), calls it for
each job, and writes the results pickled on its standard output. What a solver prints
goes to standard error, so that standard output holds the result alone."""

import os
import pickle
import sys
from collections.abc import Callable
from typing import Any

from atlas.audit import equations

SOLVERS: dict[str, Callable[..., Any]] = {
    "_intervals": equations._intervals,
    "_exact_pins": equations._exact_pins,
}


def main() -> None:
    result = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    solver: str
    jobs: list[equations.Job]
    solver, jobs = pickle.load(sys.stdin.buffer)
    found = [SOLVERS[solver](*job) for job in jobs]
    pickle.dump(found, result, protocol=pickle.HIGHEST_PROTOCOL)
    result.close()


if __name__ == "__main__":
    main()
