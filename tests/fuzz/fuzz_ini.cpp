// libFuzzer target: sweep files (INI through Boost.Program_options and our list parsing).
#include "cli/run_args.hpp"

#include <boost/program_options.hpp>

#include <unistd.h>
#include <cstdio>
#include <fstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/lossbench_fuzz_" + std::to_string(getpid()) + ".ini";
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  bool help = false;
  try {
    lossbench::cli::parse_run({"--config", path}, help);
  } catch (const boost::program_options::error&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
