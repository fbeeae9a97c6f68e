#!/usr/bin/env bash
# MNIST8M (135 augmented copies of the MNIST training set, 8.1 million images) as WebDataset
# shards, written by a Slurm array of 8 tasks, then the manifests merged by a dependent job.
#   sbatch docs/distributed/slurm-array.sh
# Slurm sets SLURM_ARRAY_TASK_ID (1..8 here), SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT in
# each task: idxflow export reads them and writes part ID - MIN of COUNT. A task that is requeued
# resumes its part.
#SBATCH --job-name=idxflow-mnist8m
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=1G
#SBATCH --time=00:30:00
#SBATCH --requeue
set -euo pipefail
OUT=${OUT:-$HOME/data/mnist8m}
idxflow export --dataset mnist --split train --copies 135 --shuffle --seed 1 \
  --rotate 15 --shift 2 --elastic 34:4 --format wds --workers "$SLURM_CPUS_PER_TASK" --out "$OUT"
# The last task to finish submits nothing; instead, one merge job waits for the whole array:
if [ "$SLURM_ARRAY_TASK_ID" = "$SLURM_ARRAY_TASK_MIN" ]; then
  sbatch --dependency=afterok:"$SLURM_ARRAY_JOB_ID" --job-name=idxflow-merge --wrap "idxflow merge-manifests '$OUT'"
fi
