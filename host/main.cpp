// lossbench: a thin main over the core library (host/), so that tests link everything it runs.
#include "cli/cli.hpp"

#include <unistd.h>
#include <cstdlib>
#include <cstring>

namespace {

// The default build is for the CPU that builds it (-march=native). Copied to an older CPU, such
// as another node of a cluster, it would die of SIGILL somewhere in the first trial; this says so
// before any of that code runs: a constructor of the first priority, compiled for baseline
// x86-64, checks what the compiler was allowed to assume. LOSSBENCH_TEST_CPU_LACKS=feature makes
// it believe the CPU lacks one, for the test that no machine here could run otherwise.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((constructor(101), target("arch=x86-64"))) void refuse_a_cpu_without_the_build_isa() {
  __builtin_cpu_init();
  const char* pretend = std::getenv("LOSSBENCH_TEST_CPU_LACKS");
  auto has = [&](const char* feature, bool supported) {
    return supported && !(pretend && std::strcmp(pretend, feature) == 0);
  };
  const char* missing = nullptr;
#define LOSSBENCH_NEEDS(feature) \
  if (!has(feature, __builtin_cpu_supports(feature))) missing = feature
#if defined(__AVX512F__)
  LOSSBENCH_NEEDS("avx512f");
#endif
#if defined(__AVX2__)
  LOSSBENCH_NEEDS("avx2");
#endif
#if defined(__FMA__)
  LOSSBENCH_NEEDS("fma");
#endif
#if defined(__AVX__)
  LOSSBENCH_NEEDS("avx");
#endif
#if defined(__SSE4_2__)
  LOSSBENCH_NEEDS("sse4.2");
#endif
#undef LOSSBENCH_NEEDS
  if (!missing) return;
#if defined(__AVX512F__)
  const char* isa = "x86-64-v4 (AVX-512)";
#elif defined(__AVX2__)
  const char* isa = "x86-64-v3 (AVX2)";
#else
  const char* isa = "this build's instruction set";
#endif
  // Plain writes of literals: nothing here may run code compiled for the build's ISA.
  for (const char* part : {"lossbench: this binary was built for ", isa,
                           " (-march=native where it was built), and this CPU has no ", missing,
                           "; build lossbench on this machine, or a portable binary with "
                           "'make NATIVE=OFF'\n"})
    if (write(2, part, std::strlen(part)) < 0) break;
  _exit(1);
}
#endif

}  // namespace

int main(int argc, char** argv) { return lossbench::cli::main(argc, argv); }
