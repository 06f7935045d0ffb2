// Grader of framework assignment F1, the backward engine (core/autograd.cpp,
// the regions marked "ASSIGNMENT engine/...": accumulate_into, count_dependencies,
// run_ready_queue).
//
// Every check builds a small graph with attograd's ops, calls backward(), and
// compares the leaves' .grad() with gradients worked out by hand in the
// check's comment. The ops' own backwards are not part of the assignment;
// what is: finding the nodes, running each only after all its consumers have
// delivered (topological order, without recursion), adding up the gradients
// a node or a leaf receives from several consumers, and retain_graph.
#include <pthread.h>
#include <sys/mman.h>

#include <cmath>
#include <cstring>
#include <exception>
#include <functional>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/grader.h"

namespace {

using Values = std::vector<float>;

ag::Tensor leaf(const Values& values, const ag::Shape& shape) {
  return ag::from_vector(values, shape, /*requires_grad=*/true);
}

std::string list_str(const Values& v) {
  std::string text = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    char number[32];
    std::snprintf(number, sizeof number, "%s%g", i ? ", " : "", v[i]);
    text += number;
  }
  return text + "]";
}

bool all_close(const Values& got, const Values& expected) {
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - expected[i]) <= 1e-5 + 1e-5 * std::fabs(expected[i]))) return false;
  return got.size() == expected.size();
}

// A gradient reaches x along several edges (`parts`, one vector each, adding
// up to the right answer). An engine that overwrites instead of adding keeps
// only some of them: got equals the sum of a proper subset. Say so, by name.
void expect_not_overwritten(const std::string& what, const Values& got,
                            const std::vector<Values>& parts) {
  const size_t n = parts.size();
  for (unsigned subset = 1; subset + 1 < (1u << n); ++subset) {
    Values sum(got.size(), 0.0f);
    int kept = 0;
    for (size_t p = 0; p < n; ++p)
      if (subset & (1u << p)) {
        ++kept;
        for (size_t i = 0; i < sum.size(); ++i) sum[i] += parts[p][i];
      }
    if (all_close(got, sum))
      throw grade::Wrong(what + ": got " + list_str(got) + ", the sum of only " +
                         std::to_string(kept) + " of the " + std::to_string(n) +
                         " gradients that reach it: a later contribution overwrote an earlier "
                         "one. accumulate_into must add the new gradient to the pending one");
  }
}

// x's gradient against `parts`, the contributions of its uses, which add up to the answer.
void expect_grad(const std::string& what, const ag::Tensor& x, const std::vector<Values>& parts) {
  grade::expect(x.grad().defined(), what + ": no gradient arrived (grad() is undefined)");
  Values expected(static_cast<size_t>(x.numel()), 0.0f);
  for (const Values& part : parts)
    for (size_t i = 0; i < expected.size(); ++i) expected[i] += part[i];
  const Values got = x.grad().to_vector();
  if (parts.size() > 1 && !all_close(got, expected)) expect_not_overwritten(what, got, parts);
  grade::expect_close(what, x.grad(), ag::from_vector(expected, x.shape()), 1e-5, 1e-5);
}

// y = sum(x * x): x reaches the product twice, so dx = x + x = 2x.
void x_times_x() {
  ag::Tensor x = leaf({1, -2, 3}, {3});
  (x * x).sum().backward();
  expect_grad("dx of sum(x * x)", x, {{1, -2, 3}, {1, -2, 3}});
}

// y = sum((a + a) + a * 3): three uses of a, each delivering 1, 1 and 3.
void reused_leaf() {
  ag::Tensor a = leaf({0.5f, -1}, {2});
  ((a + a) + a * 3.0f).sum().backward();
  expect_grad("da of sum((a + a) + 3a)", a, {{1, 1}, {1, 1}, {3, 3}});
}

// d = sum(b * c), b = 2a, c = a * a: d = 2a^3, dd/da = 6a^2. Node b and node c
// both feed d; a gets 2c = 2a^2 through b and a * b = 2a^2 through each of c's
// two inputs: 3 * 2a^2 = 13.5 and 1.5 for a = 1.5 and -0.5.
void diamond() {
  ag::Tensor a = leaf({1.5f, -0.5f}, {2});
  ag::Tensor b = a * 2.0f, c = a * a;
  (b * c).sum().backward();
  expect_grad("da of the diamond sum(2a * a^2)", a, {{4.5f, 0.5f}, {4.5f, 0.5f}, {4.5f, 0.5f}});
}

// h1 = 2a feeds the output twice: directly, and through a three-node path
// h3 = 3 h1 + 1. out = sum(h3 * h1) = sum((6a + 1) 2a) = sum(12a^2 + 2a),
// dout/da = 24a + 2: 2 h3 = 12a + 2 directly and 2 * 3 h1 = 12a through h3.
// An engine that runs h1's node as soon as one consumer delivered sends only
// part of its gradient down.
void uneven_paths() {
  ag::Tensor a = leaf({1, -2, 0.25f}, {3});
  ag::Tensor h1 = a * 2.0f;
  ag::Tensor h3 = (h1 * 3.0f) + 1.0f;
  (h3 * h1).sum().backward();
  expect_grad("da of sum((3 h1 + 1) * h1), h1 = 2a (a short and a long path)", a,
              {{14, -22, 5}, {12, -24, 3}});
}

// ---- the chain, on a stack we can measure ----
// A recursive engine takes a stack frame per node. 100,000 frames of ~100
// bytes still fit in a thread's usual 8 MB, so passing is not enough: the
// chain runs on a thread of its own whose stack was first painted with a
// known byte, and the deepest byte no longer holding it says how much stack
// the engine used. Below the stack, a guard page turns an overflow into a crash.
constexpr size_t kProbeStack = size_t{64} << 20;
constexpr size_t kStackBudget = size_t{1} << 20;  // 1 MB; a loop needs a few KB
constexpr unsigned char kPaint = 0xA5;
constexpr int kChainLength = 100000;

struct Probe {
  const std::function<void()>* body;
  std::exception_ptr error;
};

void* probe_main(void* arg) {
  auto* probe = static_cast<Probe*>(arg);
  try {
    (*probe->body)();
  } catch (...) {
    probe->error = std::current_exception();
  }
  return nullptr;
}

// Runs body on the painted stack; returns the bytes of stack it used.
size_t stack_bytes_used(const std::function<void()>& body) {
  const size_t guard = 4096;
  void* region = mmap(nullptr, kProbeStack + guard, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) throw grade::Wrong("grader error: no memory for the chain's stack");
  mprotect(region, guard, PROT_NONE);
  unsigned char* stack = static_cast<unsigned char*>(region) + guard;
  std::memset(stack, kPaint, kProbeStack);
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstack(&attributes, stack, kProbeStack);
  Probe probe{&body, nullptr};
  pthread_t thread;
  const bool started = pthread_create(&thread, &attributes, probe_main, &probe) == 0;
  pthread_attr_destroy(&attributes);
  if (started) pthread_join(thread, nullptr);
  size_t untouched = 0;
  while (untouched < kProbeStack && stack[untouched] == kPaint) ++untouched;
  munmap(region, kProbeStack + guard);
  if (!started) throw grade::Wrong("grader error: could not start the chain's thread");
  if (probe.error) std::rethrow_exception(probe.error);
  return kProbeStack - untouched;
}

std::string megabytes(size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

// 100,000 ops in a chain: y = x + 1 + 1 + ...; dy/dx = 1.
void long_chain() {
  Values dx;
  const size_t used = stack_bytes_used([&] {
    ag::Tensor x = leaf({2}, {1});
    ag::Tensor y = x;
    for (int i = 0; i < kChainLength; ++i) y = y + 1.0f;
    y.sum().backward();
    if (x.grad().defined()) dx = x.grad().to_vector();
  });
  grade::expect(used <= kStackBudget,
                "your count_dependencies (or run_ready_queue) recursed: a chain of 100,000 ops "
                "used " +
                    megabytes(used) + " of stack, over the " + megabytes(kStackBudget) +
                    " budget (" + std::to_string(used / kChainLength) +
                    " bytes per op; a loop needs a few KB in all): a longer chain overflows any "
                    "stack. Use an explicit stack (a std::vector<Node*>) instead of recursion");
  grade::expect(!dx.empty(), "dx of a 100,000-op chain: no gradient arrived");
  grade::expect_close("dx of a 100,000-op chain", {1}, dx.data(), Values{1}.data(), 1e-5, 1e-5);
}

// backward twice on a retained graph adds the two gradients: 2 * 2x.
void twice_retained() {
  ag::Tensor x = leaf({1, 3}, {2});
  ag::Tensor y = (x * x).sum();
  y.backward(ag::Tensor(), /*retain_graph=*/true);
  y.backward(ag::Tensor(), /*retain_graph=*/true);
  expect_grad("dx after two backward() with retain_graph", x, {{1, 3}, {1, 3}, {1, 3}, {1, 3}});
}

// Without retain_graph the first backward frees the saved tensors: a second
// one must be refused with a message that names retain_graph.
void twice_freed() {
  ag::Tensor x = leaf({1, 3}, {2});
  ag::Tensor y = (x * x).sum();
  y.backward();
  expect_grad("dx after the first backward()", x, {{1, 3}, {1, 3}});
  try {
    y.backward();
  } catch (const ag::Error& e) {
    grade::expect(
        std::string(e.what()).find("retain_graph") != std::string::npos,
        std::string("the second backward() threw, but its message does not name retain_graph: ") +
            e.what());
    return;
  }
  throw grade::Wrong(
      "a second backward() without retain_graph ran; it must throw (the saved tensors are gone)");
}

// A non-scalar root with a given gradient: y = a * b (2x2), dy given.
// da = dy * b, db = dy * a; c is used but only through a branch cut by detach().
void given_gradient() {
  ag::Tensor a = leaf({1, 2, 3, 4}, {2, 2}), b = leaf({-1, 0.5f, 2, -3}, {2, 2});
  ag::Tensor c = leaf({7, 7, 7, 7}, {2, 2});
  ag::Tensor y = a * b + c.detach();
  y.backward(ag::from_vector({1, 2, 3, 4}, {2, 2}));
  expect_grad("da of a * b with dy = [[1, 2], [3, 4]]", a, {{-1, 1, 6, -12}});
  expect_grad("db of a * b with dy = [[1, 2], [3, 4]]", b, {{1, 4, 9, 16}});
  grade::expect(!c.grad().defined(), "c reached y only through detach(): it must get no gradient");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<grade::Check> checks = {
      {"x * x: a leaf used twice gets both gradients (dx = 2x)", 10, x_times_x},
      {"(a + a) + 3a: three uses of one leaf add up", 10, reused_leaf},
      {"a diamond: b = 2a and c = a^2 both feed sum(b * c)", 15, diamond},
      {"a short and a long path into one node: it runs after both delivered", 15, uneven_paths},
      {"a chain of 100,000 ops (no recursion)", 15, long_chain},
      {"backward twice with retain_graph adds the gradients", 10, twice_retained},
      {"backward twice without retain_graph: the second is refused, naming retain_graph", 10,
       twice_freed},
      {"a non-scalar root with a given gradient, two leaves, a detached branch", 15,
       given_gradient},
  };
  const char* student_file = argc > 1 ? argv[1] : "core/autograd.cpp (region: engine)";
  return grade::run_checks("Assignment F1: the backward engine", student_file, checks);
}
