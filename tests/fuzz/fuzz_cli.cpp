// libFuzzer target: `lossbench run` command lines (one argument per line) through the option
// parser, the list and quoting rules and the hyperparameter axes, and the resume command built
// from them. Only the documented errors may come out.
#include "cli/run_args.hpp"

#include <boost/program_options.hpp>

#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    args.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  // A --config naming some file of this machine would fuzz that file; the INI target covers it.
  for (const auto& a : args)
    if (a.rfind("--config", 0) == 0 || a.rfind("--help", 0) == 0 || a == "-h") return 0;
  // A spelling of -h the filter above misses prints the help: not into libFuzzer's own report.
  static std::ofstream null("/dev/null");
  static std::streambuf* const quiet = std::cout.rdbuf(null.rdbuf());
  (void)quiet;
  bool help = false;
  try {
    lossbench::cli::parse_run(args, help);
  } catch (const boost::program_options::error&) {
  } catch (const std::invalid_argument&) {
  }
  (void)lossbench::cli::resume_command(args);
  return 0;
}
