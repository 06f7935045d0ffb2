// core/splitmix.h: splitmix64 (Steele, Lea & Flood), a 64-bit mixer in which
// every input bit affects every output bit. It seeds Generator's xoshiro256**
// (core/tensor.cpp) and gives each DataLoader example its own seed (data/loader.cpp).
#pragma once

#include <cstdint>

namespace ag {

// Advances `state` by the golden-ratio step and returns the mixed new state:
// called repeatedly, a stream of well-spread numbers from one seed.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace ag
