#pragma once
// `lossbench merge`: the databases of a sweep's shards (one per Slurm array task, say) into one,
// keyed by config_hash, so that merging a shard again, or in another order, changes nothing.
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace lossbench {

struct MergeOptions {
  bool partial = false;  // also shards whose sweep has not ended (trials pending or running)
};

struct MergeCounts {
  size_t shards = 0, sweeps = 0;  // sweeps rows added
  size_t added = 0;               // trials new to the destination (any status)
  size_t replaced = 0;            // a terminal result over the destination's pending or running
  size_t unchanged = 0;           // the same terminal result was there already
  size_t conflicts = 0;           // another terminal result was there: kept, not overwritten
  size_t curve_rows = 0;
};

// Merges each shard into `into` (created if missing), one transaction per shard, the shards
// opened read-only. Every shard is checked before any is merged: one that is not a lossbench
// database, of a newer schema, or unfinished without options.partial is refused naming it; an
// older schema is upgraded on a copy. Trials of one config_hash with different axis values
// abort the shard's transaction. Different host versions among the shards are a warning on
// `warn`.
MergeCounts merge_databases(const std::vector<std::string>& shards, const std::string& into,
                            const MergeOptions& options, std::ostream& warn);

}  // namespace lossbench
