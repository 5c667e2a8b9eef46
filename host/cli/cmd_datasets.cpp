// `lossbench datasets` and `lossbench dataset SPEC`.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/run_args.hpp"
#include "data/dataset.hpp"
#include "plugins/plugin.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace lossbench::cli {

namespace po = boost::program_options;

int cmd_datasets(const std::vector<std::string>& args) {
  po::options_description desc(
      "lossbench datasets [--format table|csv|json]\n"
      "The shipped datasets and the generators.\n"
      "--format csv: one row per shipped dataset, then one per generator:\n"
      "  name,kind,task,parameters,description\n"
      "  kind: shipped or generator\n"
      "  task: a shipped dataset's (read from its file); the tasks a generator makes\n"
      "        (binary/multiclass: by its k)\n"
      "  parameters: a generator's defaults, \"d=10, n=1000, ...\" (empty for shipped)\n"
      "  description: rows x features (, classes) for shipped, else the generator's doc\n"
      "--format json: an array of these rows as objects, one per line (parameters null for\n"
      "  shipped)\n"
      "options");
  Format format = Format::Table;
  desc.add_options()("help,h", "show this help");
  add_format_option(desc, &format);
  po::variables_map vm;
  parse_or_throw(args, desc, {}, vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (format != Format::Table) {
    Table t{{"name", "kind", "task", "parameters", "description"}, {}};
    for (const auto& n : builtin_dataset_names()) {
      const Dataset d = load_dataset(n);
      std::string about =
          std::to_string(d.X.rows()) + " rows x " + std::to_string(d.X.cols()) + " features";
      if (d.task != LB_TASK_REGRESSION) about += ", " + std::to_string(d.n_classes) + " classes";
      t.rows.push_back({Cell::of(n), Cell::of(std::string("shipped")),
                        Cell::of(std::string(task_name(d.task))), Cell::null(), Cell::of(about)});
    }
    for (const auto& g : generators())
      t.rows.push_back({Cell::of(g.name), Cell::of(std::string("generator")), Cell::of(g.task),
                        Cell::of(g.params), Cell::of(g.doc)});
    write_table(std::cout, t, format);
    return 0;
  }
  std::cout << "shipped (" << data_dir() << ", see SOURCES.md)\n";
  for (const auto& n : builtin_dataset_names()) std::cout << "  " << n << "\n";
  std::cout << "\ngenerators: NAME(key=value,...), defaults shown\n";
  for (const auto& g : generators())
    std::cout << "  " << std::left << std::setw(14) << g.name << std::setw(19) << g.task << g.doc
              << "\n"
              << "  " << std::string(14, ' ') << g.params << "\n";
  std::cout
      << "\nyour data\n"
         "  csv:PATH[?key=value&...]   RFC 4180 CSV (quoted fields; ',' ';' or tab, detected)\n"
         "    target=COL                 name or 0-based index; default the last column\n"
         "    task=regression|binary|multiclass   default: from the target (text labels:\n"
         "                               classification, indices of the sorted labels)\n"
         "    header=0|1                 default 1; without one, columns are x0, x1, ...\n"
         "    sep=,|;|tab                default: detected from the first lines\n"
         "    decimal=,|.                ',': 1,5 is the number 1.5 (not with sep=,); '.':\n"
         "                               such values are text; default: a column of them is\n"
         "                               an error naming file:line\n"
         "    na=error|drop              a missing value (empty, NA, N/A, NaN, nan, ?):\n"
         "                               an error naming file:line, or the row left out\n"
         "    drop=COL,...               columns left out, by name\n"
         "    max_categories=N           default 32: distinct values a text column may\n"
         "                               have, one-hot encoded as COL=VALUE features\n"
         "  libsvm:PATH[?task=...]       LIBSVM / svmlight format\n"
         "  either with &val=FILE and/or &test=FILE: your own validation and test rows\n"
         "  (same layout; a CSV's columns found by name, with the training file's categories\n"
         "  and classes; standardized with the training rows' statistics)\n"
         "\nany spec may end in ?standardize_target=0 (regression: losses see raw targets);"
         "\na generator's in ?corrupt=all (outliers and flips reach validation and test too)\n";
  return 0;
}

int cmd_dataset(const std::vector<std::string>& args) {
  po::options_description desc("lossbench dataset SPEC [--split F] [--split_seed N]");
  std::vector<std::string> specs;
  std::string split_text, split_seed_text;
  desc.add_options()("help,h", "show this help")("spec", po::value(&specs)->composing(),
                                                 "dataset spec (positional)")(
      "split", po::value(&split_text)->default_value("0.6,0.2,0.2"),
      "train,val,test fractions, as run's --split")(
      "split_seed", po::value(&split_seed_text)->default_value("0"),
      "the seed of the dealing, as one of run's --split_seed");
  po::variables_map vm;
  parse_or_throw(args, desc, {"spec"}, vm);
  if (vm.count("help") || specs.empty()) {
    std::cout << desc;
    return vm.count("help") ? 0 : 2;
  }
  const SplitFractions fractions = split_option(split_text);
  const uint64_t split_seed = seed_value("split_seed", split_seed_text);
  for (auto spec : specs) {
    // The quoting rule of --datasets, so that one spelling works in both places.
    spec.erase(std::remove(spec.begin(), spec.end(), '"'), spec.end());
    Dataset d = load_dataset(spec);
    Split s = make_split(d, split_seed, fractions);
    std::cout << d.spec << ": " << d.X.rows() << " rows x " << d.X.cols() << " features, "
              << task_name(d.task);
    if (d.task != LB_TASK_REGRESSION) std::cout << ", " << d.n_classes << " classes";
    std::cout << "\n  train/val/test: " << s.X_train.rows() << "/" << s.X_val.rows() << "/"
              << s.X_test.rows() << " (split " << fractions.text() << ", split seed " << split_seed;
    if (d.val_rows) std::cout << "; validation rows from " << d.val_rows->spec;
    if (d.test_rows) std::cout << "; test rows from " << d.test_rows->spec;
    std::cout << ")\n  sha256 " << d.hash << "\n";
    if (d.y_clean.size()) {
      std::cout << "  corrupted targets (train/val/test): " << s.corrupted[0] << "/"
                << s.corrupted[1] << "/" << s.corrupted[2];
      if (d.corrupt_all)
        std::cout << "; corrupt=all: validation and test keep theirs too\n";
      else
        std::cout << "; " << s.judged_clean
                  << " validation and test rows are judged on their clean targets\n"
                     "    (the training split alone is corrupted; ?corrupt=all corrupts all)\n";
    }
    if (d.rows_dropped)
      std::cout << "  rows left out for a missing value: " << d.rows_dropped << "\n";
    if (!d.class_names.empty()) {
      std::cout << "  classes (sorted labels):";
      for (size_t c = 0; c < d.class_names.size(); ++c)
        std::cout << (c ? ", " : " ") << c << " = " << d.class_names[c];
      std::cout << "\n";
    }
    if (d.task != LB_TASK_REGRESSION) {
      std::cout << "  class balance:";
      for (int c = 0; c < d.n_classes; ++c)
        std::cout << " " << c << ":" << (d.y.array() == c).count();
      std::cout << "\n";
    } else {
      const double m = d.y.mean(), sd = std::sqrt((d.y.array() - m).square().mean());
      std::ostringstream stats;  // 4 significant digits, as the feature table below
      stats << std::setprecision(4) << "  target: mean " << m << ", sd " << sd << ", min "
            << d.y.minCoeff() << ", max " << d.y.maxCoeff() << "\n";
      std::cout << stats.str();
      if (d.standardize_target) {
        std::ostringstream how;
        how << std::setprecision(4) << "  losses see (target - " << s.y_mean << ") / " << s.y_std
            << ", the training rows' mean and sd: huber's delta and any other\n"
               "    scale is in units of that sd (?standardize_target=0: raw targets); metrics "
               "are in the target's units\n";
        std::cout << how.str();
      } else
        std::cout << "  losses see the targets as they are (standardize_target=0)\n";
    }
    std::cout << "  " << std::left << std::setw(24) << "feature" << std::setw(12) << "mean"
              << std::setw(12) << "sd" << std::setw(12) << "min"
              << "max\n";
    const Eigen::Index shown = std::min<Eigen::Index>(d.X.cols(), 20);
    for (Eigen::Index j = 0; j < shown; ++j) {
      const auto col = d.X.col(j).array();
      const double m = col.mean(), sd = std::sqrt((col - m).square().mean());
      std::cout << std::setprecision(4) << "  " << std::setw(24) << d.feature_names[size_t(j)]
                << std::setw(12) << m << std::setw(12) << sd << std::setw(12) << col.minCoeff()
                << col.maxCoeff() << "\n";
    }
    if (shown < d.X.cols()) std::cout << "  ... " << d.X.cols() - shown << " more features\n";
  }
  return 0;
}

}  // namespace lossbench::cli
