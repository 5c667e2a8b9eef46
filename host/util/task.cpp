#include "util/task.hpp"

#include "util/strings.hpp"

#include <stdexcept>
#include <vector>

namespace lossbench {

const char* task_name(lb_task t) {
  switch (t) {
    case LB_TASK_REGRESSION:
      return "regression";
    case LB_TASK_BINARY:
      return "binary";
    case LB_TASK_MULTICLASS:
      return "multiclass";
  }
  return "unknown";
}

std::string tasks_string(uint32_t tasks) {
  std::vector<std::string> v;
  for (lb_task t : {LB_TASK_REGRESSION, LB_TASK_BINARY, LB_TASK_MULTICLASS})
    if (tasks & t) v.push_back(task_name(t));
  return join(v, ",");
}

lb_task parse_task(std::string_view s) {
  for (lb_task t : {LB_TASK_REGRESSION, LB_TASK_BINARY, LB_TASK_MULTICLASS})
    if (s == task_name(t)) return t;
  throw std::invalid_argument("unknown task '" + std::string(s) +
                              "' (expected regression, binary or multiclass)");
}

}  // namespace lossbench
