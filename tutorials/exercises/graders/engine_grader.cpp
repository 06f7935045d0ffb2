// Grader of framework assignment F1, the backward engine (core/autograd.cpp,
// the regions marked "ASSIGNMENT engine/...": accumulate_into, count_dependencies,
// run_ready_queue): the judge's side.
//
// Each check sends a leaf's values to one entry of engine_runner.cpp, which
// builds a small graph with attograd's ops, calls backward() and sends the
// leaves' .grad() back. The expected gradients are worked out here by hand
// from the inputs (each check's comment). The ops' own backwards are not part
// of the assignment; what is: finding the nodes, running each only after all
// its consumers have delivered (topological order, without recursion),
// adding up the gradients a node or a leaf receives from several consumers,
// and retain_graph. A gradient is given as its parts, one per path into the
// leaf: an engine that overwrites instead of adding keeps only some of them,
// and the report says so.
#include <cmath>
#include <cstdio>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using Values = std::vector<float>;
using Parts = std::vector<Values>;  // one gradient per path into a leaf; the answer is their sum

// The stack an engine may use on a chain: a loop needs a few KB in all (about
// 8 KB here), a recursion at least 16 bytes per op (a return address and a
// saved register), so 256 KB tells them apart from a chain of 20,000 ops on.
constexpr int64_t kStackBudget = int64_t{256} << 10;

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
  if (got.size() != expected.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - expected[i]) <= 1e-5 + 1e-5 * std::fabs(expected[i]))) return false;
  return true;
}

// got equals the sum of some but not all of the parts: a later contribution
// replaced an earlier one. Say so, rather than "times 0.5".
void expect_not_overwritten(const std::string& what, const Values& got, const Parts& parts) {
  const size_t n = parts.size();
  for (unsigned subset = 1; subset + 1 < (1u << n); ++subset) {
    Values sum(got.size(), 0.0f);
    int kept = 0;
    for (size_t p = 0; p < n; ++p)
      if (subset & (1u << p)) {
        ++kept;
        for (size_t i = 0; i < sum.size() && i < parts[p].size(); ++i) sum[i] += parts[p][i];
      }
    if (all_close(got, sum))
      throw judge::Wrong(what + ": got " + list_str(got) + ", the sum of only " +
                         std::to_string(kept) + " of the " + std::to_string(n) +
                         " gradients that reach it: a later contribution overwrote an earlier "
                         "one. accumulate_into must add the new gradient to the pending one");
  }
}

// The leaf gradient `name` the runner sent, against the sum of `parts`.
void expect_grad(const wire::Record& out, const std::string& name, const std::string& what,
                 const Parts& parts) {
  if (!out.has(name)) throw judge::Wrong(what + ": no gradient arrived (grad() is undefined)");
  const wire::Floats& got = out.floats(name);
  Values expected(parts[0].size(), 0.0f);
  for (const Values& part : parts)
    for (size_t i = 0; i < expected.size(); ++i) expected[i] += part[i];
  grade::expect(got.values.size() == expected.size(),
                what + ": expected " + std::to_string(expected.size()) + " values, got " +
                    std::to_string(got.values.size()) + " (shape " + ag::shape_str(got.shape) +
                    ")");
  if (parts.size() > 1 && !all_close(got.values, expected))
    expect_not_overwritten(what, got.values, parts);
  grade::expect_close(what, {static_cast<int64_t>(expected.size())}, got.values.data(),
                      expected.data(), 1e-5, 1e-5);
}

// Elementwise: f(v) for each value of the leaf.
template <class F>
Values each(const Values& v, F f) {
  Values out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = f(v[i]);
  return out;
}

wire::Record with_leaf(const std::string& entry, const std::string& name, const Values& v) {
  wire::Record in = judge::call(entry);
  in.put_floats(name, {static_cast<int64_t>(v.size())}, v);
  return in;
}

// y = sum(x * x): x reaches the product twice, so dx = x + x = 2x.
judge::Check x_times_x(const std::string& name, int points, const Values& x) {
  return {name, points, with_leaf("x_times_x", "x", x),
          [=](const wire::Record&, const wire::Record& out) {
            expect_grad(out, "dx", "dx of sum(x * x)", {x, x});
          }};
}

// y = sum((a + a) + a * 3): three uses of a, each delivering 1, 1 and 3.
judge::Check reused_leaf(const std::string& name, int points, const Values& a) {
  return {name, points, with_leaf("reused_leaf", "a", a),
          [=](const wire::Record&, const wire::Record& out) {
            const Values one(a.size(), 1.0f), three(a.size(), 3.0f);
            expect_grad(out, "da", "da of sum((a + a) + 3a)", {one, one, three});
          }};
}

// d = sum(b * c), b = 2a, c = a * a: d = 2a^3, dd/da = 6a^2. Node b and node
// c both feed d; a gets 2c = 2a^2 through b and a * b = 2a^2 through each of
// c's two inputs (a = 1.5: 3 * 4.5 = 13.5).
judge::Check diamond(const std::string& name, int points, const Values& a) {
  return {name, points, with_leaf("diamond", "a", a),
          [=](const wire::Record&, const wire::Record& out) {
            const Values part = each(a, [](float v) { return 2 * v * v; });
            expect_grad(out, "da", "da of the diamond sum(2a * a^2)", {part, part, part});
          }};
}

// h1 = 2a feeds the output twice: directly, and through a three-node path
// h3 = 3 h1 + 1. out = sum(h3 * h1) = sum((6a + 1) 2a), dout/da = 24a + 2:
// 2 h3 = 12a + 2 directly and 2 * 3 h1 = 12a through h3. An engine that runs
// h1's node as soon as one consumer delivered sends only part of it down.
judge::Check uneven_paths(const std::string& name, int points, const Values& a) {
  return {name, points, with_leaf("uneven_paths", "a", a),
          [=](const wire::Record&, const wire::Record& out) {
            expect_grad(out, "da", "da of sum((3 h1 + 1) * h1), h1 = 2a (a short and a long path)",
                        {each(a, [](float v) { return 12 * v + 2; }),
                         each(a, [](float v) { return 12 * v; })});
          }};
}

std::string count_str(int64_t n) {  // 100000 -> "100,000"
  std::string digits = std::to_string(n);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(at, ",");
  return digits;
}

std::string bytes_str(int64_t bytes) {
  char text[32];
  if (bytes >= (1 << 20))
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / (1 << 20));
  else
    std::snprintf(text, sizeof text, "%lld KB", static_cast<long long>(bytes >> 10));
  return text;
}

// `length` ops in a chain: y = x + 1 + 1 + ...; dy/dx = 1. The runner
// measures the stack the engine used (engine_runner.cpp says how): a
// recursive one takes a frame per node, a loop a few KB in all.
judge::Check long_chain(const std::string& name, int points, int64_t length) {
  wire::Record in = with_leaf("long_chain", "x", {2});
  in.put_int("length", length);
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            const int64_t used = out.integer("stack_bytes");
            grade::expect(used <= kStackBudget,
                          "your count_dependencies (or run_ready_queue) recursed: a chain of " +
                              count_str(length) + " ops used " + bytes_str(used) +
                              " of stack, over the " + bytes_str(kStackBudget) + " budget (" +
                              std::to_string(used / length) +
                              " bytes per op; a loop needs a few KB in all): a longer chain "
                              "overflows any stack. Use an explicit stack (a std::vector<Node*>) "
                              "instead of recursion");
            expect_grad(out, "dx", "dx of a " + count_str(length) + "-op chain", {{1}});
          }};
}

// backward twice on a retained graph adds the two gradients: 2 * 2x.
judge::Check twice_retained(const std::string& name, int points, const Values& x) {
  return {name, points, with_leaf("twice_retained", "x", x),
          [=](const wire::Record&, const wire::Record& out) {
            expect_grad(out, "dx", "dx after two backward() with retain_graph", {x, x, x, x});
          }};
}

// Without retain_graph the first backward frees the saved tensors: a second
// one must be refused with a message that names retain_graph.
judge::Check twice_freed(const std::string& name, int points, const Values& x) {
  return {name, points, with_leaf("twice_freed", "x", x),
          [=](const wire::Record&, const wire::Record& out) {
            expect_grad(out, "dx", "dx after the first backward()", {x, x});
            if (out.has("second_ran"))
              throw judge::Wrong(
                  "a second backward() without retain_graph ran; it must throw (the saved tensors "
                  "are gone)");
            const std::string message = out.text("second_error");
            grade::expect(message.find("retain_graph") != std::string::npos,
                          "the second backward() threw, but its message does not name "
                          "retain_graph: " +
                              message);
          }};
}

// A non-scalar root with a given gradient: y = a * b (2x2), dy given.
// da = dy * b, db = dy * a; c is used but only through a branch cut by detach().
judge::Check given_gradient(const std::string& name, int points, const Values& a, const Values& b,
                            const Values& dy) {
  wire::Record in = judge::call("given_gradient");
  in.put_floats("a", {2, 2}, a);
  in.put_floats("b", {2, 2}, b);
  in.put_floats("c", {2, 2}, {7, 7, 7, 7});
  in.put_floats("dy", {2, 2}, dy);
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            Values da(4), db(4);
            for (size_t i = 0; i < 4; ++i) da[i] = dy[i] * b[i], db[i] = dy[i] * a[i];
            expect_grad(out, "da", "da of a * b with dy = " + list_str(dy), {da});
            expect_grad(out, "db", "db of a * b with dy = " + list_str(dy), {db});
            grade::expect(!out.has("dc"),
                          "c reached y only through detach(): it must get no gradient");
          }};
}

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      x_times_x("x * x: a leaf used twice gets both gradients (dx = 2x)", 10, {1, -2, 3}),
      reused_leaf("(a + a) + 3a: three uses of one leaf add up", 10, {0.5f, -1}),
      diamond("a diamond: b = 2a and c = a^2 both feed sum(b * c)", 15, {1.5f, -0.5f}),
      uneven_paths("a short and a long path into one node: it runs after both delivered", 15,
                   {1, -2, 0.25f}),
      long_chain("a chain of 100,000 ops (no recursion)", 15, 100000),
      twice_retained("backward twice with retain_graph adds the gradients", 10, {1, 3}),
      twice_freed("backward twice without retain_graph: the second is refused, naming retain_graph",
                  10, {1, 3}),
      given_gradient("a non-scalar root with a given gradient, two leaves, a detached branch", 15,
                     {1, 2, 3, 4}, {-1, 0.5f, 2, -3}, {1, 2, 3, 4}),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/engine_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment F1: the backward engine", "core/autograd.cpp (region: engine)",
                      visible_checks(), HIDDEN_CHECKS});
}
