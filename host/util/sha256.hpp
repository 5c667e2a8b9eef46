#pragma once
// SHA-256 of a file, so every result can be traced to the exact plugin binary that produced it.
#include <string>

namespace lossbench {
// Hex digest of the bytes of s.
std::string sha256_hex(const std::string& bytes);
// Hex digest of a file's contents; throws std::runtime_error naming the file when unreadable.
std::string sha256_file(const std::string& path);
}  // namespace lossbench
