// lossbench: a thin main over the core library (host/), so that tests link everything it runs.
#include "cli/cli.hpp"

#include <unistd.h>
#include <cstdlib>
#include <cstring>

namespace {

// The default build is for the CPU that builds it (-march=native). Copied to an older CPU, such
// as another node of a cluster, it would die of SIGILL somewhere in the first trial; this says so
// before any of that code runs: a constructor of the first priority, compiled for baseline
// x86-64, checks every instruction-set extension the compiler was allowed to use (an AVX-512
// CPU without VBMI, say, runs most of the binary but not the metrics). No lambda and no library
// call compiled for the build's ISA runs here. LOSSBENCH_TEST_CPU_LACKS=feature makes it believe
// the CPU lacks one, for the test that no machine here could run otherwise.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((constructor(101), target("arch=x86-64"))) void refuse_a_cpu_without_the_build_isa() {
  __builtin_cpu_init();
  const char* pretend = std::getenv("LOSSBENCH_TEST_CPU_LACKS");
  const char* missing = nullptr;
#define LOSSBENCH_NEEDS(feature)                                                           \
  if (!__builtin_cpu_supports(feature) || (pretend && std::strcmp(pretend, feature) == 0)) \
  missing = feature
#ifdef __SSE3__
  LOSSBENCH_NEEDS("sse3");
#endif
#ifdef __SSSE3__
  LOSSBENCH_NEEDS("ssse3");
#endif
#ifdef __SSE4_1__
  LOSSBENCH_NEEDS("sse4.1");
#endif
#ifdef __SSE4_2__
  LOSSBENCH_NEEDS("sse4.2");
#endif
#ifdef __SSE4A__
  LOSSBENCH_NEEDS("sse4a");
#endif
#ifdef __POPCNT__
  LOSSBENCH_NEEDS("popcnt");
#endif
#ifdef __AES__
  LOSSBENCH_NEEDS("aes");
#endif
#ifdef __PCLMUL__
  LOSSBENCH_NEEDS("pclmul");
#endif
#ifdef __AVX__
  LOSSBENCH_NEEDS("avx");
#endif
#ifdef __AVX2__
  LOSSBENCH_NEEDS("avx2");
#endif
#ifdef __FMA__
  LOSSBENCH_NEEDS("fma");
#endif
#ifdef __BMI__
  LOSSBENCH_NEEDS("bmi");
#endif
#ifdef __BMI2__
  LOSSBENCH_NEEDS("bmi2");
#endif
#ifdef __AVX512F__
  LOSSBENCH_NEEDS("avx512f");
#endif
#ifdef __AVX512VL__
  LOSSBENCH_NEEDS("avx512vl");
#endif
#ifdef __AVX512BW__
  LOSSBENCH_NEEDS("avx512bw");
#endif
#ifdef __AVX512DQ__
  LOSSBENCH_NEEDS("avx512dq");
#endif
#ifdef __AVX512CD__
  LOSSBENCH_NEEDS("avx512cd");
#endif
#ifdef __AVX512VBMI__
  LOSSBENCH_NEEDS("avx512vbmi");
#endif
#ifdef __AVX512VBMI2__
  LOSSBENCH_NEEDS("avx512vbmi2");
#endif
#ifdef __AVX512IFMA__
  LOSSBENCH_NEEDS("avx512ifma");
#endif
#ifdef __AVX512VNNI__
  LOSSBENCH_NEEDS("avx512vnni");
#endif
#ifdef __AVX512BITALG__
  LOSSBENCH_NEEDS("avx512bitalg");
#endif
#ifdef __AVX512VPOPCNTDQ__
  LOSSBENCH_NEEDS("avx512vpopcntdq");
#endif
#ifdef __AVX512BF16__
  LOSSBENCH_NEEDS("avx512bf16");
#endif
#ifdef __GFNI__
  LOSSBENCH_NEEDS("gfni");
#endif
#ifdef __VPCLMULQDQ__
  LOSSBENCH_NEEDS("vpclmulqdq");
#endif
#if !defined(__clang__)  // names clang 14 does not know
#ifdef __VAES__
  LOSSBENCH_NEEDS("vaes");
#endif
#ifdef __SHA__
  LOSSBENCH_NEEDS("sha");
#endif
#ifdef __F16C__
  LOSSBENCH_NEEDS("f16c");
#endif
#ifdef __MOVBE__
  LOSSBENCH_NEEDS("movbe");
#endif
#ifdef __LZCNT__
  LOSSBENCH_NEEDS("lzcnt");
#endif
#ifdef __ADX__
  LOSSBENCH_NEEDS("adx");
#endif
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
                           " with -march=native, and this CPU has no ", missing,
                           "; build lossbench on this machine, or a portable binary with "
                           "'make NATIVE=OFF'\n"})
    if (write(2, part, std::strlen(part)) < 0) break;
  _exit(1);
}
#endif

}  // namespace

int main(int argc, char** argv) { return lossbench::cli::main(argc, argv); }
