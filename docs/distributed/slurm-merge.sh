#!/usr/bin/env bash
# The merge of the parts' manifests into manifest.json, submitted once, after the whole array
# (slurm-submit.sh). It checks every part and every file; run early, or with a part missing, it
# names what is missing and exits non-zero, so running it again later is always safe.
#SBATCH --job-name=idxflow-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --time=00:30:00
#SBATCH --open-mode=append
#SBATCH --output=idxflow-merge-%j.log
set -euo pipefail
OUT=${OUT:-$HOME/data/mnist8m}
echo "merge job $SLURM_JOB_ID: idxflow merge-manifests $OUT"
exec idxflow merge-manifests "$OUT"
