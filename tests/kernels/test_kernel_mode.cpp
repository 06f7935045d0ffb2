// The fast/naive switch (core/kernels/kernel_mode.h).
#include <doctest/doctest.h>

#include <string>

#include "core/error.h"
#include "core/kernels/kernel_mode.h"

using namespace ag;

TEST_SUITE("kernels.mode") {

TEST_CASE("AG_KERNELS values: fast, naive, empty; anything else is a clear error") {
  CHECK(parse_kernels(nullptr) == Kernels::Fast);
  CHECK(parse_kernels("") == Kernels::Fast);
  CHECK(parse_kernels("fast") == Kernels::Fast);
  CHECK(parse_kernels("naive") == Kernels::Naive);
  CHECK_THROWS_WITH_AS(parse_kernels("Naive "),
                       "AG_KERNELS: unknown value 'Naive ' (expected 'fast' or 'naive')",
                       ag::Error);
}

TEST_CASE("set_kernels chooses, the guard restores") {
  const Kernels before = kernels();
  {
    KernelsGuard naive(Kernels::Naive);
    CHECK(kernels() == Kernels::Naive);
    {
      KernelsGuard fast(Kernels::Fast);
      CHECK(kernels() == Kernels::Fast);
    }
    CHECK(kernels() == Kernels::Naive);
  }
  CHECK(kernels() == before);
  CHECK(std::string(kernels_name(Kernels::Naive)) == "naive");
  CHECK(std::string(kernels_name(Kernels::Fast)) == "fast");
}

}  // TEST_SUITE("kernels.mode")
