// tests/data/test_fuzz_corpus.cpp: the fuzz entry points over their seed corpora.
//
// `make fuzz` runs each reader's harness (tests/fuzz/) under libFuzzer for as
// long as one likes; this suite runs the same functions over the checked-in
// seeds (tests/fuzz/corpus/<reader>/) on every `make test`, so a harness
// that stops compiling, a seed that starts crashing, or a reader that stops
// accepting its valid seeds is caught at once. Seeds named ok_* are valid
// files the reader must accept; bad_* seeds must be refused with an ag::Error
// (the harness returns false); others may go either way.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_harness.h"

namespace {

struct Counts {
  int files = 0, accepted = 0, refused = 0;
};

Counts run_corpus(const std::string& reader, bool (*harness)(const uint8_t*, size_t)) {
  const std::filesystem::path dir = std::filesystem::path("tests/fuzz/corpus") / reader;
  REQUIRE_MESSAGE(std::filesystem::is_directory(dir), "no seed corpus at " << dir << " (run from the repository root)");
  Counts counts;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(name);
    bool accepted = false;
    CHECK_NOTHROW(accepted = harness(bytes.data(), bytes.size()));
    if (name.starts_with("ok_")) CHECK(accepted);
    if (name.starts_with("bad_")) CHECK_FALSE(accepted);
    ++counts.files;
    ++(accepted ? counts.accepted : counts.refused);
  }
  // A corpus must exercise both paths of its reader.
  CHECK(counts.accepted > 0);
  CHECK(counts.refused > 0);
  return counts;
}

}  // namespace

TEST_SUITE("fuzz.corpus") {
  TEST_CASE("safetensors seeds") { run_corpus("safetensors", ag_fuzz_safetensors); }
  TEST_CASE("npy seeds") { run_corpus("npy", ag_fuzz_npy); }
  TEST_CASE("json seeds") { run_corpus("json", ag_fuzz_json); }
  TEST_CASE("gzip seeds") { run_corpus("gzip", ag_fuzz_gzip); }
  TEST_CASE("idx seeds") { run_corpus("idx", ag_fuzz_idx); }
  TEST_CASE("cifar seeds") { run_corpus("cifar", ag_fuzz_cifar); }
}
