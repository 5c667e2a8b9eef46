#pragma once
// Datasets: a design matrix and a target, from a CSV file, a shipped dataset or a seeded
// generator, and their seeded, standardized train/validation/test split.
#include <lossbench/abi.h>

#include <Eigen/Core>

#include "util/matrix.hpp"

#include <cstdint>
#include <istream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace lossbench {

struct Dataset {
  std::string spec;  // what the user wrote: "iris", "csv:path", "linear(n=500)"
  lb_task task = LB_TASK_REGRESSION;
  int n_classes = 0;  // classification only
  RowMatrix X;        // n x d
  Eigen::VectorXd y;  // regression value or class index
  std::vector<std::string> feature_names;
  // The targets before a corruption that belongs to training only (a generator's `outliers`);
  // empty when there is none. Validation and test rows take their targets from here: the
  // learning rate is chosen, and a model judged, on what the data should say, so a robust loss
  // that ignored the outliers is seen to have been right.
  Eigen::VectorXd y_clean;
  // Text class labels in index order (y = 0 is class_names[0]): the sorted distinct labels of a
  // CSV target such as yes/no; empty when the labels were numbers.
  std::vector<std::string> class_names;
  size_t rows_dropped = 0;  // CSV rows left out for a missing value (?na=drop)
  // How a CSV file's columns became X and y, so that a second file (a user's test set) can be
  // read the same way: read_csv(path, opt, &this). Empty for other sources.
  struct CsvColumn {
    std::string name;                     // the header's name (x0, x1, ... without a header)
    std::vector<std::string> categories;  // one-hot, sorted; empty: a numeric column
  };
  struct CsvLayout {
    std::string path;                // the file it was read from, for messages
    std::string target;              // the target column's name
    std::vector<CsvColumn> columns;  // the feature columns in X's order
  } csv_layout;
  // `?corrupt=all`: validation and test rows keep the corrupted targets too (the old protocol).
  bool corrupt_all = false;
  // `?standardize_target=0`: regression losses see the targets in their own units.
  bool standardize_target = true;
  // The user's own validation and test rows (`?val=FILE`, `?test=FILE`), read in this dataset's
  // layout; null when they are dealt from this dataset's rows.
  std::shared_ptr<const Dataset> val_rows, test_rows;
  std::string hash;  // sha256 of the content (X, y, y_clean, task, class_names, options,
                     // val/test files)

  // Model output columns: 1 for regression and binary, K for multiclass.
  int output_cols() const { return task == LB_TASK_MULTICLASS ? n_classes : 1; }
};

// Bad data: one line with file:line where there is one.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CsvOptions {
  std::string target;  // column name or 0-based index; empty: the last column
  std::string task;    // regression|binary|multiclass; empty: inferred
  bool header = true;
  char sep = 0;          // ',', ';' or '\t'; 0: detected from the first records
  bool na_drop = false;  // a row with a missing value: false, an error; true, left out and counted
  std::vector<std::string> drop;  // columns to leave out, by header name
  size_t max_categories = 32;     // distinct values a text feature column may have to be one-hot
  // ',': "1,5" is the number 1.5 too; '.': it is text; 0: a column of such values is an error.
  char decimal = 0;
};

// RFC 4180 CSV. With `like` (a dataset read_csv made), the file is read in like's layout: its
// target and feature columns by name (other columns ignored, as are opt's target, task, drop and
// max_categories), like's one-hot categories (an unseen value: all zeros) and classes (an unseen
// label: an error naming file:line); the task and class count are like's.
Dataset read_csv(const std::string& path, const CsvOptions& opt, const Dataset* like = nullptr);
Dataset read_libsvm(const std::string& path, const std::string& task);
// The same readers on a stream; `name` stands for the file in messages.
Dataset read_csv(std::istream& in, const std::string& name, const CsvOptions& opt,
                 const Dataset* like = nullptr);
Dataset read_libsvm(std::istream& in, const std::string& name, const std::string& task);

// Resolves a dataset spec:
//   iris | wine | breast_cancer | diabetes | digits           shipped with lossbench
//   csv:PATH[?target=COL&task=T&header=0&sep=;&decimal=,&na=drop&drop=a,b&max_categories=32
//            &val=FILE&test=FILE]                            a CSV file
//   libsvm:PATH[?task=T&val=FILE&test=FILE]                   a LIBSVM/svmlight file
//   NAME(key=value,...)                                       a generator (see generators())
// Any spec may end in ?standardize_target=0 (regression) and a generator's in ?corrupt=all.
Dataset load_dataset(const std::string& spec);

struct GeneratorInfo {
  std::string name;
  std::string task;
  std::string params;  // "n=1000, d=10, noise=0.1, seed=0"
  std::string doc;
};
const std::vector<GeneratorInfo>& generators();

// A generator spec, parsed and validated (names, numbers, ranges, size) without generating.
struct GeneratorSpec {
  std::string name;
  std::map<std::string, double> params;
};
GeneratorSpec parse_generator_spec(const std::string& spec);
std::vector<std::string> builtin_dataset_names();
// Where the shipped CSVs live: $LOSSBENCH_DATA_DIR, else an install's share/lossbench/datasets
// beside the executable's bin/, else the source tree's datasets/.
std::string data_dir();

// How a dataset's rows are dealt: train, validation and test fractions (summing to 1).
struct SplitFractions {
  double train = 0.6, val = 0.2, test = 0.2;
  bool is_default() const { return train == 0.6 && val == 0.2 && test == 0.2; }
  std::string text() const;  // "0.6,0.2,0.2"
};
// "0.7,0.15,0.15" (or "train,val,test" fractions of any positive sum close to 1); throws
// std::invalid_argument naming what is wrong.
SplitFractions parse_split(const std::string& text);

// A split with features (and regression targets) standardized by train statistics.
struct Split {
  RowMatrix X_train, X_val, X_test;
  RowMatrix y_train, y_val, y_test;  // regression: standardized value; classification: index
  double y_mean = 0, y_std = 1;      // to report regression metrics in original units
  // Rows whose target, as this split uses it, differs from the clean one (train, val, test), and
  // the validation and test rows that were corrupted but are judged on their clean target.
  size_t corrupted[3] = {0, 0, 0};
  size_t judged_clean = 0;
};

// Seeded split, stratified for classification; the user's val/test rows, when the dataset has
// them, replace the dealt ones (the fractions of the rest are rescaled). Features, and regression
// targets unless the dataset says not to, are standardized by the training rows' mean and sd;
// zero-variance features get sd 1.
Split make_split(const Dataset& d, uint64_t seed, const SplitFractions& fractions = {});

}  // namespace lossbench
