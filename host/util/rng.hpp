#pragma once
// Seeded random numbers whose sequence is fixed by the standard (mt19937_64) and by our own
// transforms, unlike std::normal_distribution: the same seed gives the same data and the same
// trial on every platform and thread count.
#include <cmath>
#include <cstdint>
#include <random>
#include <string_view>

namespace lossbench {

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  double uniform() { return double(g_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  uint64_t below(uint64_t n) { return uint64_t(uniform() * double(n)); }
  double normal() {  // Box-Muller, one value per call (the second is dropped for simplicity)
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  template <class It>
  void shuffle(It first, It last) {  // Fisher-Yates
    for (auto n = last - first; n > 1; --n) std::swap(first[n - 1], first[below(uint64_t(n))]);
  }

 private:
  std::mt19937_64 g_;
};

// Mixes values into a seed (splitmix64 finaliser), so streams derive from configuration alone.
inline uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline uint64_t hash_string(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace lossbench
