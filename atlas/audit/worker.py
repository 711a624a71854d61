"""A worker process of the audit (:class:`atlas.audit.equations._Worker`): reads
``(jobs, min_count)`` pickled on its standard input, solves each block's intervals, and
writes them pickled on its standard output. What a solver prints goes to standard error,
so that standard output holds the result alone."""

import os
import pickle
import sys

from atlas.audit.equations import Job, _intervals


def main() -> None:
    result = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    jobs: list[Job]
    min_count: int
    jobs, min_count = pickle.load(sys.stdin.buffer)
    found = [_intervals(*job, min_count) for job in jobs]
    pickle.dump(found, result, protocol=pickle.HIGHEST_PROTOCOL)
    result.close()


if __name__ == "__main__":
    main()
