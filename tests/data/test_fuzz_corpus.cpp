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
#include <set>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_harness.h"

namespace {

struct Counts {
  int files = 0, accepted = 0, refused = 0;
};

Counts run_corpus(const std::string& reader, bool (*harness)(const uint8_t*, size_t)) {
  const std::filesystem::path dir = std::filesystem::path("tests/fuzz/corpus") / reader;
  REQUIRE_MESSAGE(std::filesystem::is_directory(dir),
                  "no seed corpus at " << dir << " (run from the repository root)");
  Counts counts;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
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

// Every harness, by the name of its file (tests/fuzz/<name>_fuzz.cpp) and
// of its corpus. `make asan` runs this suite under ASan and UBSan, which is
// what makes a seed that overflows a signed product (as idx_fuzz.cpp once
// did on bad_zero_cols_huge_count) a failure here and not only in `make fuzz`.
struct Harness {
  const char* name;
  bool (*run)(const uint8_t*, size_t);
};
constexpr Harness kHarnesses[] = {{"safetensors", ag_fuzz_safetensors},
                                  {"npy", ag_fuzz_npy},
                                  {"json", ag_fuzz_json},
                                  {"gzip", ag_fuzz_gzip},
                                  {"idx", ag_fuzz_idx},
                                  {"cifar", ag_fuzz_cifar}};

}  // namespace

TEST_SUITE("fuzz.corpus") {
TEST_CASE("each harness over its seeds") {
  for (const Harness& h : kHarnesses) {
    CAPTURE(h.name);
    run_corpus(h.name, h.run);
  }
}

TEST_CASE("every harness in tests/fuzz/ is in that list") {
  // A new tests/fuzz/X_fuzz.cpp must be added to kHarnesses: otherwise
  // its seeds would never run here, nor under UBSan.
  std::set<std::string> files, listed;
  for (const auto& entry : std::filesystem::directory_iterator("tests/fuzz")) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with("_fuzz.cpp")) files.insert(name.substr(0, name.size() - 9));
  }
  for (const Harness& h : kHarnesses) {
    listed.insert(h.name);
    CAPTURE(h.name);
    CHECK(std::filesystem::is_directory(std::filesystem::path("tests/fuzz/corpus") / h.name));
  }
  CHECK(files == listed);
  CHECK(files.size() == 6);
}
}  // TEST_SUITE("fuzz.corpus")
