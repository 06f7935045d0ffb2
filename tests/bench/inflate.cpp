// tests/bench/inflate.cpp: how fast does our gunzip decode real data?
//
// Inflates Fashion-MNIST's train images (26 MB .gz -> 47 MB) if the Debian
// package dataset-fashion-mnist is installed, else a generated file of
// similar character (noisy 28x28 "images" with long runs of background)
// compressed by the system's gzip. Prints MB/s of decompressed output, plus
// CRC-32 alone, since gunzip = inflate + CRC; then the same bytes as 10,000
// gzip members (what `cat` of many .gz files gives): the rate must stay about
// the same, as the output buffer is shared by all members, not regrown for each.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "data/inflate.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ~47 MB of image-like bytes: dark background with bright noisy blobs.
std::string make_generated_gz() {
  namespace fs = std::filesystem;
  fs::path raw = fs::temp_directory_path() / "attograd_bench_inflate.bin";
  std::vector<uint8_t> bytes(60000 * 784);
  uint64_t state = 12345;
  for (size_t i = 0; i < bytes.size(); ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    size_t x = i % 28, y = (i / 28) % 28;
    bool inside = x > 6 && x < 22 && y > 3 && y < 25;
    bytes[i] = inside ? static_cast<uint8_t>(128 + (state >> 58)) : 0;
  }
  std::FILE* f = std::fopen(raw.c_str(), "wb");
  if (f == nullptr) return "";
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  std::string cmd = "gzip -f -6 '" + raw.string() + "'";
  if (std::system(cmd.c_str()) != 0) return "";
  return raw.string() + ".gz";
}

// The same bytes cut into `members` pieces, each gzipped as its own member
// by one run of the system's gzip (`gzip -c a b c` writes a member per file).
std::vector<uint8_t> gzip_members(const std::vector<uint8_t>& bytes, int members) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "attograd_bench_members";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const size_t piece = (bytes.size() + members - 1) / members;
  for (int i = 0; i < members; ++i) {
    const size_t begin = std::min(bytes.size(), i * piece),
                 end = std::min(bytes.size(), begin + piece);
    std::FILE* f = std::fopen((dir / std::to_string(i)).c_str(), "wb");
    if (f == nullptr) return {};
    if (end > begin) std::fwrite(bytes.data() + begin, 1, end - begin, f);
    std::fclose(f);
  }
  const std::string cmd = "cd '" + dir.string() + "' && seq 0 " + std::to_string(members - 1) +
                          " | xargs gzip -6 -n -c > all.gz";
  std::vector<uint8_t> gz;
  if (std::system(cmd.c_str()) == 0) gz = ag::data::read_file_bytes((dir / "all.gz").string());
  fs::remove_all(dir);
  return gz;
}

// Best of 5 gunzips of `gz`, printed as MB/s of output.
void time_gunzip(const std::vector<uint8_t>& gz, const char* label) {
  double best = 1e9;
  size_t out_size = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto start = std::chrono::steady_clock::now();
    out_size = ag::data::gunzip(gz, label).size();
    best = std::min(best, seconds_since(start));
  }
  std::printf("gunzip, %s: %.1f MB out in %.1f ms = %.0f MB/s (best of 5)\n", label, out_size / 1e6,
              best * 1e3, out_size / 1e6 / best);
}

}  // namespace

int main() {
  std::string path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  bool generated = false;
  if (!std::filesystem::exists(path)) {
    path = make_generated_gz();
    generated = true;
    if (path.empty()) {
      std::printf(
          "inflate bench: no Fashion-MNIST and no gzip to generate data; nothing measured\n");
      return 1;
    }
  }
  std::vector<uint8_t> gz = ag::data::read_file_bytes(path);
  std::printf("input: %s (%.1f MB compressed)\n", path.c_str(), gz.size() / 1e6);

  double best_gunzip = 1e9, best_crc = 1e9;
  size_t out_size = 0;
  uint32_t crc = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto start = std::chrono::steady_clock::now();
    std::vector<uint8_t> out = ag::data::gunzip(gz, path);
    best_gunzip = std::min(best_gunzip, seconds_since(start));
    out_size = out.size();
    start = std::chrono::steady_clock::now();
    crc = ag::data::crc32(out.data(), out.size());
    best_crc = std::min(best_crc, seconds_since(start));
  }
  std::printf("gunzip: %.1f MB out in %.1f ms = %.0f MB/s (best of 5)\n", out_size / 1e6,
              best_gunzip * 1e3, out_size / 1e6 / best_gunzip);
  std::printf("crc32 alone: %.1f ms = %.0f MB/s (crc %08x)\n", best_crc * 1e3,
              out_size / 1e6 / best_crc, static_cast<unsigned>(crc));

  // The same output from 1 member and from 10,000 (4.7 KB each for Fashion-MNIST).
  const std::vector<uint8_t> raw = ag::data::gunzip(gz, path);
  time_gunzip(gzip_members(raw, 1), "1 member");
  const std::vector<uint8_t> many = gzip_members(raw, 10000);
  if (many.empty())
    std::printf("gunzip, 10000 members: gzip failed, not measured\n");
  else
    time_gunzip(many, "10000 members");
  if (generated) std::filesystem::remove(path);
  return 0;
}
