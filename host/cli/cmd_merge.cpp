// `lossbench merge A.db B.db ... --into M.db`: shard databases into one (store/merge.cpp).
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "store/merge.hpp"

#include <iostream>

namespace lossbench::cli {

namespace po = boost::program_options;

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description desc(
      "lossbench merge SHARD.db... --into MERGED.db [--partial]\n"
      "Merges the databases of a sweep's shards (lossbench run --shard I/N) into one, keyed by\n"
      "config_hash: merging a shard twice, or in another order, changes nothing. A finished\n"
      "result replaces a pending or running one with its curve; two different finished results\n"
      "of one trial keep the first and are counted. The shards are only read.\n"
      "options");
  std::vector<std::string> shards;
  std::string into;
  desc.add_options()("help,h", "show this help")("into", po::value(&into),
                                                 "the merged database (created if missing)")(
      "partial", "also merge shards whose sweep has not ended (trials pending or running)")(
      "shard", po::value(&shards)->composing(), "a shard database (positional, repeatable)");
  po::variables_map vm;
  parse_or_throw(args, desc, {"shard"}, vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (shards.empty())
    throw po::error("no shard databases given (lossbench merge A.db B.db --into M.db)");
  if (into.empty()) throw po::error("option '--into' is required: the merged database");
  MergeOptions options;
  options.partial = vm.count("partial") > 0;
  const MergeCounts c = merge_databases(shards, into, options, std::cerr);
  std::cout << "merged " << c.shards << " shard(s) into " << into << ": " << c.added
            << " trials added, " << c.replaced << " finished over pending, " << c.unchanged
            << " already there, " << c.conflicts << " conflicting (kept " << into << "'s); "
            << c.curve_rows << " curve rows, " << c.sweeps << " sweeps rows\n";
  if (c.conflicts)
    std::cerr << "warning: " << c.conflicts
              << " trial(s) have another finished result in a shard than in " << into
              << "; the existing rows were kept\n";
  return 0;
}

}  // namespace lossbench::cli
