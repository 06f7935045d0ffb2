// The student's side of assignment F1's grader (engine_grader.cpp is the judge's).
//
// Each entry builds one small graph with attograd's ops from the check's
// inputs, calls backward() (which runs the student's engine: the regions
// "ASSIGNMENT engine/..." of core/autograd.cpp) and sends back the leaves'
// .grad(), one field per leaf. A leaf that got no gradient sends no field.
// The judge knows the graph of each entry by its name and works out the
// gradients itself.
#include <pthread.h>
#include <sys/mman.h>

#include <cstdint>
#include <exception>
#include <functional>

#include "core/ag.h"
#include "tutorials/exercises/graders/runner.h"

namespace {

using runner::Outputs;

ag::Tensor leaf(const wire::Record& in, const std::string& name) {
  const wire::Floats& f = in.floats(name);
  return ag::from_vector(f.values, f.shape, /*requires_grad=*/true);
}

void put_grad(Outputs& out, const std::string& name, const ag::Tensor& x) {
  if (x.grad().defined()) out.record().put_floats(name, x.grad().shape(), x.grad().to_vector());
}

// ---- a stack we can measure ----
// A recursive engine takes a stack frame per node, and 100,000 frames of ~100
// bytes still fit in a thread's usual 8 MB: passing is not enough. So the
// chain runs on a thread of its own, on a fresh 64 MB stack: fresh memory
// reads as zeros (the kernel hands out zeroed pages, and only when touched),
// so afterwards the deepest nonzero word tells how much stack the engine
// used. Below the stack a guard page turns an overflow into a crash instead
// of a write into other memory.
constexpr size_t kProbeStack = size_t{64} << 20;
constexpr size_t kGuardPage = 4096;

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

// Runs body on the painted stack; returns how many bytes of it body used.
int64_t stack_bytes_used(const std::function<void()>& body) {
  void* region = mmap(nullptr, kProbeStack + kGuardPage, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) throw std::runtime_error("runner: no memory for the chain's stack");
  mprotect(region, kGuardPage, PROT_NONE);
  unsigned char* stack = static_cast<unsigned char*>(region) + kGuardPage;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstack(&attributes, stack, kProbeStack);
  Probe probe{&body, nullptr};
  pthread_t thread;
  const bool started = pthread_create(&thread, &attributes, probe_main, &probe) == 0;
  pthread_attr_destroy(&attributes);
  if (started) pthread_join(thread, nullptr);
  const auto* words = reinterpret_cast<const uint64_t*>(stack);
  size_t untouched = 0;  // in words, from the bottom
  while (untouched < kProbeStack / 8 && words[untouched] == 0) ++untouched;
  munmap(region, kProbeStack + kGuardPage);
  if (!started) throw std::runtime_error("runner: could not start the chain's thread");
  if (probe.error) std::rethrow_exception(probe.error);
  return static_cast<int64_t>(kProbeStack - untouched * 8);
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"x_times_x",  // sum(x * x)
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor x = leaf(in, "x");
         (x * x).sum().backward();
         put_grad(out, "dx", x);
       }},
      {"reused_leaf",  // sum((a + a) + a * 3)
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor a = leaf(in, "a");
         ((a + a) + a * 3.0f).sum().backward();
         put_grad(out, "da", a);
       }},
      {"diamond",  // b = 2a, c = a * a, sum(b * c)
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor a = leaf(in, "a");
         ag::Tensor b = a * 2.0f, c = a * a;
         (b * c).sum().backward();
         put_grad(out, "da", a);
       }},
      {"uneven_paths",  // h1 = 2a, h3 = 3 h1 + 1, sum(h3 * h1)
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor a = leaf(in, "a");
         ag::Tensor h1 = a * 2.0f;
         ag::Tensor h3 = (h1 * 3.0f) + 1.0f;
         (h3 * h1).sum().backward();
         put_grad(out, "da", a);
       }},
      {"long_chain",  // y = x + 1 + 1 + ... (length ops); backward on the measured stack
       [](const wire::Record& in, Outputs& out) {
         const int64_t length = in.integer("length");
         ag::Tensor x = leaf(in, "x");
         // The chain is built here: only backward, the engine, runs on the
         // probe's thread (whose heap grows a page at a time: slow for 100,000 nodes).
         ag::Tensor y = x;
         for (int64_t i = 0; i < length; ++i) y = y + 1.0f;
         const int64_t used = stack_bytes_used([&] { y.sum().backward(); });
         put_grad(out, "dx", x);
         out.record().put_int("stack_bytes", used);
       }},
      {"twice_retained",  // y = sum(x * x), backward twice with retain_graph
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor x = leaf(in, "x");
         ag::Tensor y = (x * x).sum();
         y.backward(ag::Tensor(), /*retain_graph=*/true);
         y.backward(ag::Tensor(), /*retain_graph=*/true);
         put_grad(out, "dx", x);
       }},
      {"twice_freed",  // y = sum(x * x), backward twice without retain_graph
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor x = leaf(in, "x");
         ag::Tensor y = (x * x).sum();
         y.backward();
         put_grad(out, "dx", x);
         try {
           y.backward();
           out.record().put_int("second_ran", 1);
         } catch (const ag::Error& e) {
           out.record().put_text("second_error", e.what());
         }
       }},
      {"given_gradient",  // y = a * b + c.detach(), backward(dy)
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor a = leaf(in, "a"), b = leaf(in, "b"), c = leaf(in, "c");
         ag::Tensor y = a * b + c.detach();
         const wire::Floats& dy = in.floats("dy");
         y.backward(ag::from_vector(dy.values, dy.shape));
         put_grad(out, "da", a);
         put_grad(out, "db", b);
         put_grad(out, "dc", c);
       }},
  };
  return table;
}
