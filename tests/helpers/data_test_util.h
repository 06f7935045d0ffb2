// tests/helpers/data_test_util.h: helpers shared by the data.inflate and data.readers
// suites: a temporary directory, deterministic test data, running the
// system's gzip, and a bit writer for hand-made DEFLATE streams.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace ag::test {

using Bytes = std::vector<uint8_t>;

// A fresh directory under /tmp, removed with everything in it at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("attograd_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline void write_file(const std::string& path, const Bytes& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE_MESSAGE(f != nullptr, "cannot create test file " << path);
  if (!bytes.empty()) REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  std::fclose(f);
}

// Compresses `input` with the system's gzip into `output` (`flags` e.g. "-9 -n").
// gzip is part of every Debian install; if it is missing the test fails
// rather than silently skipping the comparison against a real encoder.
inline void run_gzip(const std::string& flags, const std::string& input,
                     const std::string& output) {
  REQUIRE_MESSAGE(
      std::system("gzip --version > /dev/null 2>&1") == 0,
      "these tests compare against the system's gzip, which was not found (apt-get install gzip)");
  const std::string command = "gzip " + flags + " -c '" + input + "' > '" + output + "'";
  REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "command failed: " << command);
}

// Deterministic pseudo-random numbers (splitmix64), so every run tests the same bytes.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

inline Bytes random_bytes(size_t n, uint64_t seed) {
  Rng rng(seed);
  Bytes bytes(n);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng.next());
  return bytes;
}

// Text-like bytes: words from a small vocabulary, so both literals and
// short-to-medium matches occur (dynamic Huffman blocks).
inline Bytes text_bytes(size_t n, uint64_t seed) {
  static const char* const words[] = {"tensor", "gradient",  "the ",    "backward", "of",
                                      "matmul", "a",         "softmax", "kernel",   "loss",
                                      "\n",     "attention", "42",      "layer"};
  Rng rng(seed);
  Bytes bytes;
  while (bytes.size() < n) {
    std::string word = words[rng.next() % (sizeof words / sizeof words[0])];
    bytes.insert(bytes.end(), word.begin(), word.end());
    bytes.push_back(rng.next() % 5 == 0 ? ',' : ' ');
  }
  bytes.resize(n);
  return bytes;
}

// Long runs of one byte (distance-1 matches of length 258), a repeated short
// pattern, and a 30000-byte random chunk repeated (distances near the 32 KiB
// window limit, which need the 13 extra distance bits).
inline Bytes repetitive_bytes() {
  Bytes bytes(100000, 'z');
  for (int i = 0; i < 100000; ++i) bytes.push_back("abc"[i % 3]);
  Bytes chunk = random_bytes(30000, 7);
  for (int copy = 0; copy < 3; ++copy) bytes.insert(bytes.end(), chunk.begin(), chunk.end());
  return bytes;
}

// Writes a DEFLATE bit stream: put() writes a value least significant bit
// first (headers, extra bits); put_code() writes a Huffman code most
// significant bit first, as RFC 1951 3.1.1 requires.
struct BitWriter {
  Bytes bytes;
  int used = 8;  // bits used in the last byte
  void put(uint32_t value, int nbits) {
    for (int i = 0; i < nbits; ++i) {
      if (used == 8) {
        bytes.push_back(0);
        used = 0;
      }
      bytes.back() |= static_cast<uint8_t>(((value >> i) & 1) << used++);
    }
  }
  void put_code(uint32_t code, int len) {
    for (int i = len - 1; i >= 0; --i) put((code >> i) & 1, 1);
  }
  void align() { used = 8; }
  void put_byte(uint8_t b) {
    align();
    bytes.push_back(b);
  }
};

inline Bytes to_bytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

}  // namespace ag::test
