// tests/fuzz/fuzz_harness.h: one fuzz entry point per file reader.
//
// Each tests/fuzz/<reader>_fuzz.cpp defines ag_fuzz_<reader>(data, size): it
// feeds the bytes to the reader, accepts an ag::Error (bad input must be
// refused with one), and checks what a successful read promises (a value
// written and read back is the same value). Anything else (a crash, a
// sanitizer report, another exception type, a broken promise) is a finding.
// It returns true if the reader accepted the input.
//
// Two drivers call them:
//   make fuzz      links each file with libFuzzer (clang, -DAG_LIBFUZZER:
//                  each file then also defines LLVMFuzzerTestOneInput) into
//                  build/fuzz/<reader>; run e.g. build/fuzz/json tests/fuzz/corpus/json
//   the test suite tests/data/test_fuzz_corpus.cpp runs every function over its
//                  checked-in seed corpus, tests/fuzz/corpus/<reader>/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

bool ag_fuzz_safetensors(const uint8_t* data, size_t size);
bool ag_fuzz_npy(const uint8_t* data, size_t size);
bool ag_fuzz_json(const uint8_t* data, size_t size);
bool ag_fuzz_gzip(const uint8_t* data, size_t size);
bool ag_fuzz_idx(const uint8_t* data, size_t size);
bool ag_fuzz_cifar(const uint8_t* data, size_t size);

namespace ag_fuzz {

// A broken promise: not an ag::Error, so neither driver mistakes it for a refusal.
inline void require(bool ok, const std::string& what) {
  if (!ok) throw std::logic_error("fuzz finding: " + what);
}

}  // namespace ag_fuzz

// The libFuzzer entry point, only in `make fuzz` builds (one per binary).
#ifdef AG_LIBFUZZER
#define AG_FUZZ_ENTRY(fn)                                                   \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    fn(data, size);                                                         \
    return 0;                                                               \
  }
#else
#define AG_FUZZ_ENTRY(fn)
#endif
