/*
 * lossbench plugin ABI: the only thing that crosses between the host and a plugin library.
 *
 * Pure C on purpose: a plugin built with another compiler, another standard library or another
 * Eigen version still loads, and nothing created on one side (an exception, a std::string, a
 * shared_ptr) can dangle on the other once a library unloads.
 *
 * A library exports one symbol, LOSSBENCH_ENTRY_SYMBOL, returning a static lb_library. The host
 * checks abi_major/abi_minor and struct_size before it reads anything else. Later minor versions
 * only append fields to the end of lb_library and lb_plugin; the host reads an appended field only
 * when the plugin's struct_size says it is there.
 *
 * Authors normally never see this file: sdk.hpp generates all of it from a C++ class.
 */
#ifndef LOSSBENCH_ABI_H
#define LOSSBENCH_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOSSBENCH_ABI_MAJOR 1
#define LOSSBENCH_ABI_MINOR 0
#define LOSSBENCH_ENTRY_SYMBOL "lossbench_plugin_entry"

/* Status codes returned by every call that can fail. On failure the plugin writes a one-line,
 * NUL-terminated message into the caller's buffer (truncated to its capacity). */
enum { LB_OK = 0, LB_ERROR = 1 };

typedef enum lb_kind { LB_KIND_LOSS = 1, LB_KIND_OPTIMIZER = 2 } lb_kind;

/* Tasks, as a bit set in lb_plugin.tasks (losses only). */
typedef enum lb_task {
  LB_TASK_REGRESSION = 1, /* pred: rows x cols raw values; target: rows x cols values */
  LB_TASK_BINARY = 2,     /* pred: rows x 1 logits; target: rows labels 0 or 1 */
  LB_TASK_MULTICLASS = 4  /* pred: rows x K logits; target: rows class indices 0..K-1 */
} lb_task;

typedef struct lb_hyperparam {
  const char* name;
  double default_value;
  double min_value; /* inclusive */
  double max_value; /* inclusive */
  const char* doc;  /* one line */
} lb_hyperparam;

/* Per-trial state, owned by the plugin: created once per trial, destroyed by the plugin. A create
 * that returns LB_ERROR has freed whatever it made: the host never destroys what it wrote to *out.
 */
typedef void* lb_handle;

/*
 * Matrices are dense, row-major, double precision: element (i, j) of a rows x cols matrix is at
 * [i * cols + j]. Class labels travel as doubles holding small non-negative integers.
 */
typedef struct lb_plugin {
  uint32_t struct_size;    /* sizeof(lb_plugin) as the plugin was compiled */
  uint32_t kind;           /* lb_kind */
  const char* name;        /* [a-z0-9_]+, unique among all loaded plugins */
  const char* description; /* one line */
  uint32_t tasks;          /* losses: bit set of lb_task; optimizers: 0 */
  uint32_t n_hyperparams;
  const lb_hyperparam* hyperparams;

  /* Losses. hp holds n_hp values in declaration order, each within its range. max_rows is the
   * largest batch evaluate will be given; cols the number of output columns. */
  int (*loss_create)(const double* hp, size_t n_hp, uint32_t task, size_t max_rows, size_t cols,
                     lb_handle* out, char* err, size_t err_cap);
  /* Writes the batch loss (averaged as PyTorch's reduction='mean': over the rows x cols elements
   * of an elementwise loss, over the rows of a per-row loss such as cross-entropy; a regression
   * target has one column, so both are a mean over rows there) to *value and, when
   * grad is not NULL, d value / d pred (rows x cols) to grad. rows <= max_rows. Must not
   * allocate. target is rows x cols (regression) or rows x 1 (binary, multiclass). */
  int (*loss_evaluate)(lb_handle h, const double* pred, const double* target, size_t rows,
                       size_t cols, double* value, double* grad, char* err, size_t err_cap);

  /* Optimizers. n is the number of parameters the state is for. */
  int (*optimizer_create)(const double* hp, size_t n_hp, size_t n, lb_handle* out, char* err,
                          size_t err_cap);
  /* Updates params (n values) in place from grads; t counts steps from 1. Must not allocate. */
  int (*optimizer_step)(lb_handle h, double* params, const double* grads, size_t n, double lr,
                        uint64_t t, char* err, size_t err_cap);

  void (*destroy)(lb_handle h);
} lb_plugin;

typedef struct lb_library {
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t struct_size; /* sizeof(lb_library) as the plugin was compiled */
  uint32_t n_plugins;
  /* n_plugins descriptors, contiguous, all of one struct_size: the host steps through them by
   * plugins[0].struct_size, so a library built with a later minor's larger lb_plugin reads right.
   */
  const lb_plugin* plugins;
} lb_library;

typedef const lb_library* (*lb_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* LOSSBENCH_ABI_H */
