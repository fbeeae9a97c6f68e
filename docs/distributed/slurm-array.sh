#!/usr/bin/env bash
# MNIST8M (135 augmented copies of the MNIST training set, 8.1 million images) as WebDataset
# shards, written by a Slurm array of 8 tasks: task I writes part I of IDXFLOW_SHARDS (8). Submit
# it with slurm-submit.sh, which submits the merge once after it, or by hand:
#   jobid=$(sbatch --parsable docs/distributed/slurm-array.sh)
#   sbatch --dependency=afterok:"${jobid%%;*}" --kill-on-invalid-dep=yes docs/distributed/slurm-merge.sh
# A task that is requeued (preempted, node failure, `scontrol requeue`) resumes its part; its log
# is appended to, not truncated. One index I resubmitted alone (`sbatch --array=I slurm-array.sh`)
# writes part I again: the task ID is the part, and IDXFLOW_SHARDS below gives the count.
# OUT, COPIES, SHARD_SIZE and LIMIT (a trial run on the first LIMIT images) may be set in the
# environment sbatch is run from; sbatch passes it on.
#SBATCH --job-name=idxflow-mnist8m
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=1G
#SBATCH --time=00:30:00
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=idxflow-mnist8m-%A_%a.log
set -euo pipefail
# The part count: keep it equal to the size of --array=0-(N-1) above.
export IDXFLOW_SHARDS=${IDXFLOW_SHARDS:-8}
OUT=${OUT:-$HOME/data/mnist8m}
COPIES=${COPIES:-135}
SHARD_SIZE=${SHARD_SIZE:-10000}
echo "task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID (part $SLURM_ARRAY_TASK_ID of $IDXFLOW_SHARDS), restart ${SLURM_RESTART_COUNT:-0}, on $(hostname)"
# exec: idxflow replaces the shell, so Slurm's SIGTERM (scancel, requeue, time limit) reaches it
# and it stops cleanly, keeping its complete shards for the rerun.
exec idxflow export --dataset mnist --split train --copies "$COPIES" --shuffle --seed 1 \
  --rotate 15 --shift 2 --elastic 34:4 --format wds --shard-size "$SHARD_SIZE" \
  --workers "${SLURM_CPUS_PER_TASK:-1}" ${LIMIT:+--limit "$LIMIT"} --out "$OUT"
