// core/random.cpp: attograd's one seeded random generator and the random
// factories built on it (rand, uniform, randn). Same seed, same numbers, on
// every machine: no std::*_distribution, whose output the standard leaves to
// each library.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/splitmix.h"
#include "core/tensor.h"

namespace ag {

// xoshiro256** (Blackman & Vigna), seeded through splitmix64
// (core/splitmix.h) as its authors advise.
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void Generator::seed_(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
  has_spare_ = false;
}

uint64_t Generator::next_u64() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

// The top 24 bits make a float in [0, 1) with every value equally likely.
float Generator::uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }

// Box-Muller: two uniforms give two independent normals; keep the second.
float Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * (1.0 / 9007199254740992.0);  // (0, 1]
  double u2 = static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
  double r = std::sqrt(-2.0 * std::log(u1));
  double theta = 2.0 * 3.14159265358979323846 * u2;
  spare_ = static_cast<float>(r * std::sin(theta));
  has_spare_ = true;
  return static_cast<float>(r * std::cos(theta));
}

int64_t Generator::randint(int64_t n) {
  if (n <= 0) fail("randint: upper bound must be positive, got ", n);
  // Rejection sampling removes the modulo bias.
  uint64_t un = static_cast<uint64_t>(n);
  uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % un;
  uint64_t x;
  do x = next_u64();
  while (x >= limit);
  return static_cast<int64_t>(x % un);
}

std::vector<uint64_t> Generator::state() const {
  uint32_t spare_bits;
  std::memcpy(&spare_bits, &spare_, sizeof spare_bits);
  return {s_[0], s_[1], s_[2], s_[3], has_spare_ ? 1u : 0u, spare_bits};
}

void Generator::set_state(const std::vector<uint64_t>& s) {
  if (s.size() != 6) fail("Generator::set_state: expected 6 words of state, got ", s.size());
  for (int i = 0; i < 4; ++i) s_[i] = s[i];
  has_spare_ = s[4] != 0;
  auto spare_bits = static_cast<uint32_t>(s[5]);
  std::memcpy(&spare_, &spare_bits, sizeof spare_);
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}
void manual_seed(uint64_t seed) { default_generator().seed_(seed); }

Tensor rand(const Shape& shape, bool requires_grad) {
  return uniform(shape, 0.0f, 1.0f, requires_grad);
}

Tensor uniform(const Shape& shape, float low, float high, bool requires_grad) {
  if (!(low <= high)) fail("uniform: low ", low, " must not exceed high ", high);
  Tensor t = new_leaf("uniform", shape, requires_grad);
  float* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    p[i] = low + (high - low) * default_generator().uniform();
  return t;
}

Tensor randn(const Shape& shape, bool requires_grad) {
  Tensor t = new_leaf("randn", shape, requires_grad);
  float* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = default_generator().normal();
  return t;
}

}  // namespace ag
