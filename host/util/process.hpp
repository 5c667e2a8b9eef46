#pragma once
// What lossbench asks of its own process: where its executable lives, its signals, its memory.
#include <cstdint>
#include <filesystem>
#include <string>

namespace lossbench {

// The folder of the running executable (plugins and the worker are found beside it).
std::filesystem::path executable_dir();
// The x86-64 level this binary was compiled for ("x86-64-v4 (AVX-512)", ...): what its loops may
// use. Recorded with every sweep (sweeps.machine) and printed by `lossbench --version`.
std::string instruction_set();

// SIGINT and SIGTERM go to `handler` (which may only set a flag): the one place a "stop" is wired.
void on_stop_signals(void (*handler)(int));
// "SIGSEGV" for 11.
std::string signal_text(int sig);

// Caps this process's address space (RLIMIT_AS; 0: no cap) and turns core files off.
void apply_memory_cap(uint64_t bytes);
// "4G", "512M", "1024K", "123" (bytes) -> bytes; throws std::invalid_argument.
uint64_t parse_size(const std::string& s);
// 75% of physical memory: the default cap.
uint64_t default_memory_cap();
// The address-space cap in force (the worker's --max-memory), else physical memory.
double memory_limit_bytes();

}  // namespace lossbench
