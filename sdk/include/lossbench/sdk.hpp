// The one header a plugin author includes.
//
// Write a class deriving from lossbench::Loss or lossbench::Optimizer, register it with
// LOSSBENCH_LOSS or LOSSBENCH_OPTIMIZER, and build it with lossbench_add_plugin(). Everything that
// crosses into the host (abi.h) is generated here: the exported entry symbol, the C trampolines,
// and the catch-all that turns a C++ exception into an error status with its message, so that no
// exception ever unwinds through the host.
//
//   class Mae final : public lossbench::Loss {
//    public:
//     Mae(const lossbench::Params&, const lossbench::LossSetup&) {}
//     double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
//                     lossbench::MatrixView grad) override {
//       const double n = double(pred.size());
//       grad = (pred - target).array().sign() / n;
//       return (pred - target).array().abs().sum() / n;
//     }
//   };
//   LOSSBENCH_LOSS(Mae, "mae", "mean absolute error", lossbench::kRegression)
#ifndef LOSSBENCH_SDK_HPP
#define LOSSBENCH_SDK_HPP

#include <lossbench/abi.h>

#include <Eigen/Core>

#include <cstdint>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace lossbench {

using Index = Eigen::Index;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixView = Eigen::Map<RowMatrix>;
using ConstMatrixView = Eigen::Map<const RowMatrix>;
using VectorView = Eigen::Map<Eigen::VectorXd>;
using ConstVectorView = Eigen::Map<const Eigen::VectorXd>;

enum class Task : uint32_t {
  Regression = LB_TASK_REGRESSION,
  Binary = LB_TASK_BINARY,
  Multiclass = LB_TASK_MULTICLASS,
};
constexpr uint32_t kRegression = LB_TASK_REGRESSION;
constexpr uint32_t kBinary = LB_TASK_BINARY;
constexpr uint32_t kMulticlass = LB_TASK_MULTICLASS;
constexpr uint32_t kClassification = LB_TASK_BINARY | LB_TASK_MULTICLASS;

// Hyperparameter values of one trial, looked up by the names the plugin declared.
class Params {
 public:
  Params(const std::vector<lb_hyperparam>& decl, const double* values, size_t n)
      : decl_(decl), values_(values) {
    if (n != decl.size())
      throw std::invalid_argument("expected " + std::to_string(decl.size()) +
                                  " hyperparameter values, got " + std::to_string(n));
  }
  double operator[](const char* name) const {
    for (size_t i = 0; i < decl_.size(); ++i)
      if (std::strcmp(decl_[i].name, name) == 0) return values_[i];
    throw std::invalid_argument(std::string("undeclared hyperparameter '") + name + "'");
  }
  // Boolean hyperparameters are 0 or 1; anything else is a mistake worth reporting.
  bool flag(const char* name) const {
    const double v = (*this)[name];
    if (v != 0.0 && v != 1.0)
      throw std::invalid_argument(std::string(name) + " is a flag: 0 or 1, not " +
                                  std::to_string(v));
    return v == 1.0;
  }

 private:
  const std::vector<lb_hyperparam>& decl_;
  const double* values_;
};

// What a loss is created for: allocate scratch of max_rows x cols here, never in evaluate.
struct LossSetup {
  Task task;
  Index max_rows;
  Index cols;
};

class Loss {
 public:
  virtual ~Loss() = default;
  // pred: rows x cols. target: rows x cols (regression) or rows x 1 class indices.
  // Write d loss / d pred into grad (rows x cols) and return the batch loss.
  virtual double evaluate(ConstMatrixView pred, ConstMatrixView target, MatrixView grad) = 0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Update params in place; t counts steps from 1. State for n parameters is built in the
  // constructor, so a step allocates nothing.
  virtual void step(VectorView params, ConstVectorView grads, double lr, uint64_t t) = 0;
};

namespace detail {

inline void write_error(char* err, size_t cap, const char* msg) {
  if (!err || cap == 0) return;
  std::strncpy(err, msg, cap - 1);
  err[cap - 1] = '\0';
}

// Runs f, turning any exception into LB_ERROR and its message.
template <class F>
int guarded(char* err, size_t cap, F&& f) noexcept {
  try {
    f();
    return LB_OK;
  } catch (const std::exception& e) {
    write_error(err, cap, e.what());
  } catch (...) {
    write_error(err, cap, "unknown exception");
  }
  return LB_ERROR;
}

template <class T>
std::vector<lb_hyperparam>& declared() {
  static std::vector<lb_hyperparam> decl;
  return decl;
}

template <class T>
struct LossHolder {
  LossHolder(const Params& p, const LossSetup& s)
      : impl(p, s), scratch(s.max_rows, s.cols), setup(s) {}
  T impl;
  RowMatrix scratch;  // receives the gradient when the host asks for the value only
  LossSetup setup;
};

template <class T>
int loss_create(const double* hp, size_t n_hp, uint32_t task, size_t max_rows, size_t cols,
                lb_handle* out, char* err, size_t cap) {
  return guarded(err, cap, [&] {
    Params p(declared<T>(), hp, n_hp);
    LossSetup s{static_cast<Task>(task), static_cast<Index>(max_rows), static_cast<Index>(cols)};
    *out = new LossHolder<T>(p, s);
  });
}

template <class T>
int loss_evaluate(lb_handle h, const double* pred, const double* target, size_t rows, size_t cols,
                  double* value, double* grad, char* err, size_t cap) {
  return guarded(err, cap, [&] {
    auto* holder = static_cast<LossHolder<T>*>(h);
    const LossSetup& s = holder->setup;
    if (static_cast<Index>(rows) > s.max_rows || static_cast<Index>(cols) != s.cols)
      throw std::invalid_argument("batch of " + std::to_string(rows) + "x" + std::to_string(cols) +
                                  " exceeds the created shape " + std::to_string(s.max_rows) + "x" +
                                  std::to_string(s.cols));
    const Index r = static_cast<Index>(rows), c = static_cast<Index>(cols);
    ConstMatrixView P(pred, r, c);
    ConstMatrixView Y(target, r, s.task == Task::Regression ? c : 1);
    MatrixView G(grad ? grad : holder->scratch.data(), r, c);
    *value = holder->impl.evaluate(P, Y, G);
  });
}

template <class T>
int optimizer_create(const double* hp, size_t n_hp, size_t n, lb_handle* out, char* err,
                     size_t cap) {
  return guarded(err, cap, [&] {
    Params p(declared<T>(), hp, n_hp);
    *out = new T(p, static_cast<Index>(n));
  });
}

template <class T>
int optimizer_step(lb_handle h, double* params, const double* grads, size_t n, double lr,
                   uint64_t t, char* err, size_t cap) {
  return guarded(err, cap, [&] {
    const Index m = static_cast<Index>(n);
    static_cast<T*>(h)->step(VectorView(params, m), ConstVectorView(grads, m), lr, t);
  });
}

template <class H>
void destroy(lb_handle h) {
  delete static_cast<H*>(h);
}

// All plugins of this library. Plugins are compiled with hidden visibility, so each library
// has its own descriptor even when several are loaded into one process.
struct LibraryDescriptor {
  std::vector<lb_plugin> plugins;
  lb_library library{};
  const lb_library* get() {
    library.abi_major = LOSSBENCH_ABI_MAJOR;
    library.abi_minor = LOSSBENCH_ABI_MINOR;
    library.struct_size = sizeof(lb_library);
    library.n_plugins = static_cast<uint32_t>(plugins.size());
    library.plugins = plugins.data();
    return &library;
  }
};

inline LibraryDescriptor& library_descriptor() {
  static LibraryDescriptor r;
  return r;
}

inline lb_plugin base_plugin(lb_kind kind, const char* name, const char* description,
                             uint32_t tasks, const std::vector<lb_hyperparam>& decl) {
  lb_plugin p{};
  p.struct_size = sizeof(lb_plugin);
  p.kind = kind;
  p.name = name;
  p.description = description;
  p.tasks = tasks;
  p.n_hyperparams = static_cast<uint32_t>(decl.size());
  p.hyperparams = decl.data();
  return p;
}

template <class T>
bool register_loss(const char* name, const char* description, uint32_t tasks,
                   std::initializer_list<lb_hyperparam> hps) {
  static_assert(std::is_base_of<Loss, T>::value, "LOSSBENCH_LOSS needs a lossbench::Loss");
  declared<T>().assign(hps);
  lb_plugin p = base_plugin(LB_KIND_LOSS, name, description, tasks, declared<T>());
  p.loss_create = &loss_create<T>;
  p.loss_evaluate = &loss_evaluate<T>;
  p.destroy = &destroy<LossHolder<T>>;
  library_descriptor().plugins.push_back(p);
  return true;
}

template <class T>
bool register_optimizer(const char* name, const char* description,
                        std::initializer_list<lb_hyperparam> hps) {
  static_assert(std::is_base_of<Optimizer, T>::value,
                "LOSSBENCH_OPTIMIZER needs a lossbench::Optimizer");
  declared<T>().assign(hps);
  lb_plugin p = base_plugin(LB_KIND_OPTIMIZER, name, description, 0, declared<T>());
  p.optimizer_create = &optimizer_create<T>;
  p.optimizer_step = &optimizer_step<T>;
  p.destroy = &destroy<T>;
  library_descriptor().plugins.push_back(p);
  return true;
}

}  // namespace detail
}  // namespace lossbench

// The entry symbol. Weak, so that a library made of several files that each include this
// header still links; the registry it returns is complete once static initialisation is done,
// which dlopen guarantees before the host calls it.
extern "C" __attribute__((visibility("default"), weak)) const lb_library* lossbench_plugin_entry(
    void) {
  return lossbench::detail::library_descriptor().get();
}

#define LOSSBENCH_CAT2(a, b) a##b
#define LOSSBENCH_CAT(a, b) LOSSBENCH_CAT2(a, b)

// LOSSBENCH_LOSS(Class, "name", "one-line description", tasks, {"hp", default, min, max, "doc"},
// ...)
#define LOSSBENCH_LOSS(Class, name, description, tasks, ...)         \
  static const bool LOSSBENCH_CAT(lossbench_registered_, __LINE__) = \
      ::lossbench::detail::register_loss<Class>(name, description, tasks, {__VA_ARGS__});

// LOSSBENCH_OPTIMIZER(Class, "name", "one-line description", {"hp", default, min, max, "doc"}, ...)
#define LOSSBENCH_OPTIMIZER(Class, name, description, ...)           \
  static const bool LOSSBENCH_CAT(lossbench_registered_, __LINE__) = \
      ::lossbench::detail::register_optimizer<Class>(name, description, {__VA_ARGS__});

#endif  // LOSSBENCH_SDK_HPP
