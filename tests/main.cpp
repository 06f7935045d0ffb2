// The doctest runner for every suite in tests/.
//
// One TEST_SUITE per room or per assignment task, so `./build/tests -ts="A2*"`
// runs one of them. After doctest's own report we print the plain line
// "N passed, N failed" (test cases), which CI reads as the result.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include "core/allocator.h"

namespace {

int g_cases_run = 0;
int g_cases_failed = 0;

// A listener sees the totals when the run ends; main() prints them last.
struct CountingListener : doctest::IReporter {
  explicit CountingListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_cases_run = static_cast<int>(stats.numTestCasesPassingFilters);
    g_cases_failed = static_cast<int>(stats.numTestCasesFailed);
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

REGISTER_LISTENER("counting", 1, CountingListener);

int main(int argc, char** argv) {
  // Every block the allocator hands out is filled with NaN (unless
  // AG_ALLOCATOR_NAN says otherwise), so an op that reads memory it never
  // wrote, e.g. an accumulator started from empty() instead of zeros(),
  // gives NaN and fails its test.
  if (std::getenv("AG_ALLOCATOR_NAN") == nullptr) ag::set_nan_fill(true);
  doctest::Context context(argc, argv);
  int status = context.run();
  if (context.shouldExit()) return status;
  std::fflush(stdout);
  std::printf("%d passed, %d failed\n", g_cases_run - g_cases_failed, g_cases_failed);
  return status == 0 && g_cases_failed == 0 ? 0 : 1;
}
