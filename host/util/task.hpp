#pragma once
// The learning task of a dataset, as the plugin ABI numbers it, and its names.
#include <lossbench/abi.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace lossbench {

const char* task_name(lb_task t);
// "regression,binary" for a bit set.
std::string tasks_string(uint32_t tasks);
// Parses "regression", "binary" or "multiclass"; throws std::invalid_argument otherwise.
lb_task parse_task(std::string_view s);

}  // namespace lossbench
