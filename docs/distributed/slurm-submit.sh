#!/usr/bin/env bash
# Submits the export array (slurm-array.sh), then its merge (slurm-merge.sh) ONCE, from outside
# the array: the merge waits until every task has succeeded (afterok), and is cancelled, never
# left pending forever, when one cannot (a task cancelled or failed: --kill-on-invalid-dep=yes).
# Arguments go to the array's sbatch (e.g. --partition=batch); OUT and the others to both jobs.
#   OUT=/shared/mnist8m docs/distributed/slurm-submit.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jobid=$(sbatch --parsable "$@" "$here/slurm-array.sh")
jobid=${jobid%%;*} # --parsable prints "id;cluster" on a multi-cluster setup
merge=$(sbatch --parsable --dependency=afterok:"$jobid" --kill-on-invalid-dep=yes "$here/slurm-merge.sh")
echo "export array $jobid, merge ${merge%%;*}"
