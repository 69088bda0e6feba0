#!/bin/bash
# Queues the shards as a job array and the merge after them (afterok: only when every shard wrote
# its partial report).
set -euo pipefail
cd "$(dirname "$0")"
shards=$(sbatch --parsable --array=1-3 shards.sbatch)
sbatch --dependency=afterok:"${shards%%;*}" merge.sbatch
