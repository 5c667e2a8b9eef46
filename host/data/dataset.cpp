// Dataset specs -> datasets, and datasets -> standardized splits.
#include "data/dataset.hpp"
#include "util/process.hpp"
#include "util/rng.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/task.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>

namespace lossbench {

Dataset generate(const std::string& spec);  // generators.cpp

namespace {

// "PATH?key=value&key=value" -> PATH and the options.
std::map<std::string, std::string> query(std::string& path) {
  std::map<std::string, std::string> q;
  const auto mark = path.find('?');
  if (mark == std::string::npos) return q;
  for (const auto& kv : split(path.substr(mark + 1), '&')) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw DataError("dataset option '" + kv + "' is not key=value");
    q[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  path.resize(mark);
  return q;
}

void reject_unknown(const std::map<std::string, std::string>& q,
                    const std::vector<std::string>& known, const std::string& spec) {
  for (const auto& [k, v] : q)
    if (std::find(known.begin(), known.end(), k) == known.end())
      throw DataError("dataset '" + spec + "': unknown option '" + k + "'" +
                      did_you_mean(k, known) + " (options: " + join(known, ", ") + ")");
}

std::string content_hash(const Dataset& d) {
  std::string bytes = std::to_string(d.task) + ":" + std::to_string(d.n_classes) + ":" +
                      std::to_string(d.X.rows()) + "x" + std::to_string(d.X.cols()) + ":";
  bytes.append(reinterpret_cast<const char*>(d.X.data()), size_t(d.X.size()) * sizeof(double));
  bytes.append(reinterpret_cast<const char*>(d.y.data()), size_t(d.y.size()) * sizeof(double));
  // Each addition only when it is there: every other dataset keeps the hash (and trials) it had.
  if (d.y_clean.size())
    bytes.append(reinterpret_cast<const char*>(d.y_clean.data()),
                 size_t(d.y_clean.size()) * sizeof(double));
  if (d.corrupt_all) bytes += ":corrupt=all";
  if (!d.standardize_target) bytes += ":standardize_target=0";
  if (d.val_rows) bytes += ":val=" + d.val_rows->hash;
  if (d.test_rows) bytes += ":test=" + d.test_rows->hash;
  // Text labels: which class is which is part of what a trial's numbers mean.
  for (const auto& c : d.class_names) bytes += ":class " + std::to_string(c.size()) + ":" + c;
  return sha256_hex(bytes);
}

bool flag(std::map<std::string, std::string>& q, const std::string& key, const std::string& spec) {
  const auto it = q.find(key);
  if (it == q.end()) return true;
  if (it->second != "0" && it->second != "1")
    throw DataError("dataset '" + spec + "': " + key + " must be 0 or 1, not '" + it->second + "'");
  const bool on = it->second == "1";
  q.erase(it);
  return on;
}

// The options of a csv: spec (see load_dataset in dataset.hpp).
CsvOptions csv_options(std::map<std::string, std::string>& q, const std::string& spec) {
  CsvOptions o;
  o.target = q.count("target") ? q["target"] : "";
  o.task = q.count("task") ? q["task"] : "";
  if (!o.task.empty()) parse_task(o.task);
  o.header = flag(q, "header", spec);
  if (q.count("sep")) {
    const std::string& s = q["sep"];
    if (s != "," && s != ";" && s != "tab")
      throw DataError("dataset '" + spec + "': sep must be ',', ';' or 'tab', not '" + s + "'");
    o.sep = s == "tab" ? '\t' : s[0];
  }
  if (q.count("decimal")) {
    const std::string& s = q["decimal"];
    if (s != "," && s != ".")
      throw DataError("dataset '" + spec + "': decimal must be ',' or '.', not '" + s + "'");
    o.decimal = s[0];
    if (o.decimal == ',' && o.sep == ',')
      throw DataError("dataset '" + spec + "': decimal=, needs another separator than ','");
  }
  if (q.count("na")) {
    if (q["na"] != "error" && q["na"] != "drop")
      throw DataError("dataset '" + spec + "': na must be error or drop, not '" + q["na"] + "'");
    o.na_drop = q["na"] == "drop";
  }
  if (q.count("drop"))
    for (const auto& name : split(q["drop"], ','))
      if (!name.empty()) o.drop.push_back(name);
  if (q.count("max_categories")) {
    double m;
    if (!parse_double(q["max_categories"], m) || m < 1 || m > 1e6 || m != std::floor(m))
      throw DataError("dataset '" + spec + "': max_categories must be an integer from 1 to " +
                      "1000000, not '" + q["max_categories"] + "'");
    o.max_categories = size_t(m);
  }
  return o;
}

// A validation or test file read like the training file, checked to fit its layout: the same
// task, features and classes, so a model trained on one can be judged on the other.
std::shared_ptr<const Dataset> read_rows_like(const Dataset& train, const std::string& path,
                                              const std::string& format, CsvOptions o) {
  auto out = std::make_shared<Dataset>();
  Dataset& r = *out;
  o.task = task_name(train.task);
  if (format == "csv") {
    r = read_csv(path, o, &train);  // its columns by name, train's categories and classes
  } else {
    r = read_libsvm(path, o.task);
    if (r.X.cols() > train.X.cols())
      throw DataError(path + ": has feature index " + std::to_string(r.X.cols()) +
                      ", beyond the training file's " + std::to_string(train.X.cols()));
    if (r.X.cols() < train.X.cols()) {  // sparse rows: missing trailing features are zeros
      RowMatrix wide = RowMatrix::Zero(r.X.rows(), train.X.cols());
      wide.leftCols(r.X.cols()) = r.X;
      r.X = std::move(wide);
      r.feature_names = train.feature_names;
    }
  }
  if (train.task != LB_TASK_REGRESSION && r.n_classes > train.n_classes)
    throw DataError(path + ": has class " + std::to_string(r.n_classes - 1) +
                    ", which the training file (" + std::to_string(train.n_classes) +
                    " classes) never shows");
  r.n_classes = train.n_classes;
  r.spec = path;
  r.hash = content_hash(r);
  return out;
}

// `val=` and `test=` of a file spec: the user's own evaluation rows.
void attach_user_rows(Dataset& d, std::map<std::string, std::string>& q, const std::string& format,
                      const CsvOptions& o) {
  for (const char* key : {"val", "test"}) {
    const auto it = q.find(key);
    if (it == q.end()) continue;
    (std::string(key) == "val" ? d.val_rows : d.test_rows) =
        read_rows_like(d, it->second, format, o);
  }
}

}  // namespace

std::vector<std::string> builtin_dataset_names() {
  return {"iris", "wine", "breast_cancer", "diabetes", "digits"};
}

std::string data_dir() {
  if (const char* env = std::getenv("LOSSBENCH_DATA_DIR"); env && *env) return env;
  // An installed lossbench (P/bin) reads its own copy (P/share/lossbench/datasets), wherever P
  // was moved; a build tree has none and reads the sources'.
  const auto installed = executable_dir().parent_path() / "share" / "lossbench" / "datasets";
  std::error_code ec;
  if (std::filesystem::is_directory(installed, ec)) return installed.string();
  return std::string(LOSSBENCH_SOURCE_DIR) + "/datasets";
}

Dataset load_dataset(const std::string& spec_in) {
  const std::string spec = trim(spec_in);
  Dataset d;
  // Options every kind of spec takes, peeled off before its own are checked.
  std::string base = spec;
  auto q = query(base);
  const bool standardize_target = flag(q, "standardize_target", spec);
  bool corrupt_all = false;
  if (auto it = q.find("corrupt"); it != q.end()) {
    if (it->second != "all" && it->second != "train")
      throw DataError("dataset '" + spec +
                      "': corrupt must be 'train' (the default) or 'all', not '" + it->second +
                      "'");
    corrupt_all = it->second == "all";
    q.erase(it);
  }
  const bool is_csv = base.rfind("csv:", 0) == 0, is_libsvm = base.rfind("libsvm:", 0) == 0;
  if (is_csv) {
    std::string path = base.substr(4);
    reject_unknown(q,
                   {"target", "task", "header", "sep", "decimal", "na", "drop", "max_categories",
                    "val", "test"},
                   spec);
    const CsvOptions o = csv_options(q, spec);
    d = read_csv(path, o);
    attach_user_rows(d, q, "csv", o);
  } else if (is_libsvm) {
    std::string path = base.substr(7);
    reject_unknown(q, {"task", "val", "test"}, spec);
    CsvOptions o;
    o.task = q.count("task") ? q["task"] : "";
    d = read_libsvm(path, o.task);
    attach_user_rows(d, q, "libsvm", o);
  } else {
    reject_unknown(q, {}, spec);
    if (base.find('(') != std::string::npos) {
      d = generate(base);
    } else {
      auto names = builtin_dataset_names();
      if (std::find(names.begin(), names.end(), base) == names.end()) {
        for (const auto& g : generators()) names.push_back(g.name);
        if (std::any_of(generators().begin(), generators().end(),
                        [&](auto& g) { return g.name == base; }))
          d = generate(base);
        else
          throw DataError(
              "unknown dataset '" + base + "'" + did_you_mean(base, names) +
              "; use a built-in, csv:PATH, libsvm:PATH or a generator (see 'lossbench datasets')");
      } else {
        d = read_csv(data_dir() + "/" + base + ".csv", CsvOptions{});
      }
    }
  }
  d.standardize_target = standardize_target;
  if (corrupt_all) {
    if (!d.y_clean.size())
      throw DataError("dataset '" + spec +
                      "': corrupt=all applies to a generator that corrupts its training targets "
                      "(outliers, flip); this one corrupts none");
    d.corrupt_all = true;
  }
  if (!d.standardize_target && d.task != LB_TASK_REGRESSION)
    throw DataError("dataset '" + spec + "': standardize_target=0 applies to regression targets; " +
                    "this dataset is " + task_name(d.task));
  d.spec = spec;
  d.hash = content_hash(d);
  return d;
}

std::string SplitFractions::text() const {
  return format_double(train) + "," + format_double(val) + "," + format_double(test);
}

SplitFractions parse_split(const std::string& text) {
  const auto parts = split(text, ',');
  double v[3];
  if (parts.size() != 3)
    throw std::invalid_argument("split '" + text +
                                "' must be three fractions: train,val,test (e.g. 0.6,0.2,0.2)");
  for (int i = 0; i < 3; ++i) {
    const std::string t = trim(parts[size_t(i)]);
    size_t used = 0;
    try {
      v[i] = std::stod(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != t.size() || !(v[i] >= 0 && v[i] <= 1))
      throw std::invalid_argument("split '" + text + "': '" + t +
                                  "' is not a fraction from 0 to 1");
  }
  if (!(v[0] > 0))
    throw std::invalid_argument("split '" + text + "': the training fraction must be above 0");
  if (std::abs(v[0] + v[1] + v[2] - 1) > 1e-9)
    throw std::invalid_argument("split '" + text + "': the fractions sum to " +
                                format_double(v[0] + v[1] + v[2]) + ", not 1");
  return {v[0], v[1], v[2]};
}

Split make_split(const Dataset& d, uint64_t seed, const SplitFractions& f) {
  const Eigen::Index n = d.X.rows();
  Rng rng(mix_seed(seed, 0x5b117ULL));
  // The user's own rows take the place of a dealt part; the rest is dealt in the proportions the
  // fractions give the remaining parts.
  const double val_share = d.val_rows ? 0 : f.val, test_share = d.test_rows ? 0 : f.test;
  const double whole = f.train + val_share + test_share;
  const bool dealt_all = !d.val_rows && !d.test_rows;  // then the fractions as given, unrounded
  const double val_fraction = dealt_all ? f.val : val_share / whole,
               test_fraction = dealt_all ? f.test : test_share / whole;
  std::vector<Eigen::Index> train, val, test;
  auto deal = [&](std::vector<Eigen::Index> idx) {
    rng.shuffle(idx.begin(), idx.end());
    const size_t m = idx.size();
    size_t nt = size_t(std::round(test_fraction * double(m))),
           nv = size_t(std::round(val_fraction * double(m)));
    // A part that is dealt at all gets a row of each class: a metric needs something to judge.
    if (m >= 3) {
      if (test_fraction > 0) nt = std::max<size_t>(nt, 1);
      if (val_fraction > 0) nv = std::max<size_t>(nv, 1);
    }
    nt = std::min(nt, m), nv = std::min(nv, m - nt);
    test.insert(test.end(), idx.begin(), idx.begin() + long(nt));
    val.insert(val.end(), idx.begin() + long(nt), idx.begin() + long(nt + nv));
    train.insert(train.end(), idx.begin() + long(nt + nv), idx.end());
  };
  if (d.task == LB_TASK_REGRESSION) {
    std::vector<Eigen::Index> all(static_cast<size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    deal(all);
  } else {  // stratified: each class dealt on its own
    for (int c = 0; c < d.n_classes; ++c) {
      std::vector<Eigen::Index> idx;
      for (Eigen::Index i = 0; i < n; ++i)
        if (d.y[i] == c) idx.push_back(i);
      deal(idx);
    }
    // Interleave classes again so minibatches are not sorted by class.
    rng.shuffle(train.begin(), train.end());
  }
  const size_t n_val = d.val_rows ? size_t(d.val_rows->X.rows()) : val.size(),
               n_test = d.test_rows ? size_t(d.test_rows->X.rows()) : test.size();
  if (train.empty() || n_val == 0 || n_test == 0)
    throw DataError("dataset '" + d.spec + "': " + std::to_string(n) +
                    " rows are too few to split " + f.text() + " (train/val/test " +
                    std::to_string(train.size()) + "/" + std::to_string(n_val) + "/" +
                    std::to_string(n_test) + ")");

  Split s;
  const Eigen::Index p = d.X.cols();
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(p), sd = Eigen::RowVectorXd::Zero(p);
  for (auto i : train) mean += d.X.row(i);
  mean /= double(train.size());
  for (auto i : train) sd += (d.X.row(i) - mean).array().square().matrix();
  sd = (sd / double(train.size())).cwiseSqrt();
  for (Eigen::Index j = 0; j < p; ++j)
    if (!(sd[j] > 1e-12)) sd[j] = 1.0;
  if (d.task == LB_TASK_REGRESSION && d.standardize_target) {
    double m = 0, v = 0;
    for (auto i : train) m += d.y[i];
    m /= double(train.size());
    for (auto i : train) v += (d.y[i] - m) * (d.y[i] - m);
    s.y_mean = m;
    s.y_std = std::sqrt(v / double(train.size()));
    if (!(s.y_std > 1e-12)) s.y_std = 1.0;
  }
  // Training rows keep their corruption; validation and test rows get the clean targets unless
  // the dataset asks for corrupt=all.
  auto fill = [&](const Dataset& from, const std::vector<Eigen::Index>& idx, RowMatrix& X,
                  RowMatrix& y, bool clean, int part) {
    const Eigen::VectorXd& target = clean && from.y_clean.size() ? from.y_clean : from.y;
    X.resize(Eigen::Index(idx.size()), p);
    y.resize(Eigen::Index(idx.size()), 1);
    for (size_t r = 0; r < idx.size(); ++r) {
      const Eigen::Index i = idx[r];
      X.row(Eigen::Index(r)) = ((from.X.row(i) - mean).array() / sd.array()).matrix();
      y(Eigen::Index(r), 0) =
          d.task == LB_TASK_REGRESSION ? (target[i] - s.y_mean) / s.y_std : target[i];
      if (from.y_clean.size() && from.y[i] != from.y_clean[i]) {
        if (target[i] != from.y_clean[i])
          ++s.corrupted[part];
        else
          ++s.judged_clean;
      }
    }
  };
  auto every = [](const Dataset& from) {
    std::vector<Eigen::Index> idx(size_t(from.X.rows()));
    std::iota(idx.begin(), idx.end(), 0);
    return idx;
  };
  const bool clean = !d.corrupt_all;
  fill(d, train, s.X_train, s.y_train, false, 0);
  if (d.val_rows)
    fill(*d.val_rows, every(*d.val_rows), s.X_val, s.y_val, clean, 1);
  else
    fill(d, val, s.X_val, s.y_val, clean, 1);
  if (d.test_rows)
    fill(*d.test_rows, every(*d.test_rows), s.X_test, s.y_test, clean, 2);
  else
    fill(d, test, s.X_test, s.y_test, clean, 2);
  return s;
}

}  // namespace lossbench
