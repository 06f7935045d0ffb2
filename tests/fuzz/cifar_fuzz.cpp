// tests/fuzz/cifar_fuzz.cpp: the CIFAR-10 batch reader (see fuzz_harness.h).
// Promise checked: N records give N labels in 0..9 and N x 3072 pixels.
#include <vector>

#include "core/error.h"
#include "data/cifar.h"
#include "tests/fuzz/fuzz_harness.h"

bool ag_fuzz_cifar(const uint8_t* data, size_t size) {
  using namespace ag::data;
  CifarImages images;
  try {
    images = parse_cifar10_batch(std::vector<uint8_t>(data, data + size), "fuzz");
  } catch (const ag::Error&) {
    return false;
  }
  ag_fuzz::require(images.labels.size() == size_t(images.count) &&
                       images.pixels.size() == size_t(images.count * kCifarImageBytes),
                   "sizes do not match the record count");
  for (uint8_t label : images.labels) ag_fuzz::require(label < kCifarClasses, "label out of range");
  return true;
}

AG_FUZZ_ENTRY(ag_fuzz_cifar)
