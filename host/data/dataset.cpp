// Dataset specs -> datasets, and datasets -> standardized splits.
#include "data/dataset.hpp"
#include "util/rng.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/task.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
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
  if (d.y_clean.size())  // only then: every other dataset keeps the hash (and trials) it had
    bytes.append(reinterpret_cast<const char*>(d.y_clean.data()),
                 size_t(d.y_clean.size()) * sizeof(double));
  // Likewise only text labels: which class is which is part of what a trial's numbers mean.
  for (const auto& c : d.class_names) bytes += ":class " + std::to_string(c.size()) + ":" + c;
  return sha256_hex(bytes);
}

}  // namespace

std::vector<std::string> builtin_dataset_names() {
  return {"iris", "wine", "breast_cancer", "diabetes", "digits"};
}

std::string data_dir() {
  if (const char* env = std::getenv("LOSSBENCH_DATA_DIR"); env && *env) return env;
  return std::string(LOSSBENCH_SOURCE_DIR) + "/datasets";
}

Dataset load_dataset(const std::string& spec_in) {
  const std::string spec = trim(spec_in);
  Dataset d;
  if (spec.rfind("csv:", 0) == 0) {
    std::string path = spec.substr(4);
    auto q = query(path);
    reject_unknown(q, {"target", "task", "header", "sep", "na", "drop", "max_categories"}, spec);
    CsvOptions o;
    o.target = q.count("target") ? q["target"] : "";
    o.task = q.count("task") ? q["task"] : "";
    if (q.count("header")) {
      if (q["header"] != "0" && q["header"] != "1")
        throw DataError("dataset '" + spec + "': header must be 0 or 1");
      o.header = q["header"] == "1";
    }
    if (q.count("sep")) {
      const std::string& s = q["sep"];
      if (s != "," && s != ";" && s != "tab")
        throw DataError("dataset '" + spec + "': sep must be ',', ';' or 'tab', not '" + s + "'");
      o.sep = s == "tab" ? '\t' : s[0];
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
        throw DataError("dataset '" + spec +
                        "': max_categories must be an integer from 1 to "
                        "1000000, not '" +
                        q["max_categories"] + "'");
      o.max_categories = size_t(m);
    }
    if (!o.task.empty()) parse_task(o.task);
    d = read_csv(path, o);
  } else if (spec.rfind("libsvm:", 0) == 0) {
    std::string path = spec.substr(7);
    auto q = query(path);
    reject_unknown(q, {"task"}, spec);
    d = read_libsvm(path, q.count("task") ? q["task"] : "");
  } else if (spec.find('(') != std::string::npos) {
    d = generate(spec);
  } else {
    auto names = builtin_dataset_names();
    if (std::find(names.begin(), names.end(), spec) == names.end()) {
      for (const auto& g : generators()) names.push_back(g.name);
      if (std::any_of(generators().begin(), generators().end(),
                      [&](auto& g) { return g.name == spec; }))
        d = generate(spec);
      else
        throw DataError(
            "unknown dataset '" + spec + "'" + did_you_mean(spec, names) +
            "; use a built-in, csv:PATH, libsvm:PATH or a generator (see 'lossbench datasets')");
    } else {
      d = read_csv(data_dir() + "/" + spec + ".csv", CsvOptions{});
    }
  }
  d.spec = spec;
  d.hash = content_hash(d);
  return d;
}

Split make_split(const Dataset& d, uint64_t seed, double val_fraction, double test_fraction) {
  const Eigen::Index n = d.X.rows();
  Rng rng(mix_seed(seed, 0x5b117ULL));
  std::vector<Eigen::Index> train, val, test;
  auto deal = [&](std::vector<Eigen::Index> idx) {
    rng.shuffle(idx.begin(), idx.end());
    const size_t m = idx.size();
    size_t nt = size_t(std::round(test_fraction * double(m))),
           nv = size_t(std::round(val_fraction * double(m)));
    if (m >= 3) nt = std::max<size_t>(nt, 1), nv = std::max<size_t>(nv, 1);
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
  if (train.empty() || val.empty() || test.empty())
    throw DataError("dataset '" + d.spec + "': " + std::to_string(n) +
                    " rows are too few to split");

  Split s;
  const Eigen::Index p = d.X.cols();
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(p), sd = Eigen::RowVectorXd::Zero(p);
  for (auto i : train) mean += d.X.row(i);
  mean /= double(train.size());
  for (auto i : train) sd += (d.X.row(i) - mean).array().square().matrix();
  sd = (sd / double(train.size())).cwiseSqrt();
  for (Eigen::Index j = 0; j < p; ++j)
    if (!(sd[j] > 1e-12)) sd[j] = 1.0;
  if (d.task == LB_TASK_REGRESSION) {
    double m = 0, v = 0;
    for (auto i : train) m += d.y[i];
    m /= double(train.size());
    for (auto i : train) v += (d.y[i] - m) * (d.y[i] - m);
    s.y_mean = m;
    s.y_std = std::sqrt(v / double(train.size()));
    if (!(s.y_std > 1e-12)) s.y_std = 1.0;
  }
  // Training rows keep their corruption; validation and test rows get the clean targets.
  auto fill = [&](const std::vector<Eigen::Index>& idx, RowMatrix& X, RowMatrix& y,
                  const Eigen::VectorXd& target) {
    X.resize(Eigen::Index(idx.size()), p);
    y.resize(Eigen::Index(idx.size()), 1);
    for (size_t r = 0; r < idx.size(); ++r) {
      X.row(Eigen::Index(r)) = ((d.X.row(idx[r]) - mean).array() / sd.array()).matrix();
      y(Eigen::Index(r), 0) =
          d.task == LB_TASK_REGRESSION ? (target[idx[r]] - s.y_mean) / s.y_std : target[idx[r]];
    }
  };
  const Eigen::VectorXd& judged = d.y_clean.size() ? d.y_clean : d.y;
  fill(train, s.X_train, s.y_train, d.y);
  fill(val, s.X_val, s.y_val, judged);
  fill(test, s.X_test, s.y_test, judged);
  return s;
}

}  // namespace lossbench
