#pragma once
// The command line: options -> a plain config -> one of the commands in the table in cli.cpp.
#include <string>
#include <vector>

namespace lossbench::cli {

// Runs `lossbench ARGS...`; returns the process exit code. Every error is one line on stderr.
int main(int argc, char** argv);

}  // namespace lossbench::cli
