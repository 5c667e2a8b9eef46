#pragma once
// SHA-256 of a file, so every result can be traced to the exact plugin binary that produced it.
#include <string>

namespace lossbench {
// Hex digest of the bytes of s; `portable` forces the plain C++ compression even where the CPU
// has SHA instructions (for tests, which compare the two).
std::string sha256_hex(const std::string& bytes, bool portable = false);
// Hex digest of a file's contents; throws std::runtime_error naming the file when unreadable.
std::string sha256_file(const std::string& path);
// Whether this CPU's SHA instructions do the hashing (x86 SHA-NI).
bool sha256_uses_cpu_instructions();
}  // namespace lossbench
