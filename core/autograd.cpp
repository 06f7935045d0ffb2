// core/autograd.cpp: Node bookkeeping, grad mode, SavedTensor and the engine.
// (What an in-place write does to the graph, views included, is in
// core/inplace_history.cpp: the engine needs none of it.)
#include "core/autograd.h"

#include <algorithm>
#include <atomic>
#include <unordered_map>
#include <unordered_set>

#include "core/anomaly.h"

namespace ag {

// ---------------------------------------------------------------- Node
static std::atomic<uint64_t> g_next_sequence_nr{0};

Node::Node() : sequence_nr(g_next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

// Destroying the last tensor of a long chain would otherwise destroy node 1,
// whose edge destroys node 2, whose edge destroys node 3, ... one stack frame
// each: 100,000 ops deep overflows the stack (PyTorch hit exactly this). So a
// Node hands its edges to an explicit list and releases them in a loop: a
// child whose last owner we are gives its own edges to the list first, and so
// dies without anything left to recurse into.
Node::~Node() {
  std::vector<std::shared_ptr<Node>> pending;
  for (Edge& e : next_edges)
    if (e.fn) pending.push_back(std::move(e.fn));
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() == 1) {
      for (Edge& e : node->next_edges)
        if (e.fn) pending.push_back(std::move(e.fn));
    }
    // node goes out of scope here: if we held the last reference, its
    // destructor runs now and finds its edges already moved out.
  }
}

// ---------------------------------------------------------------- grad mode
static thread_local bool t_grad_enabled = true;

bool grad_enabled() { return t_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }
EnableGradGuard::EnableGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { t_grad_enabled = previous_; }

bool needs_grad(std::initializer_list<Tensor> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.requires_grad()) return true;
  return false;
}

void attach(Tensor& out, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs) {
  node->next_edges.clear();
  for (const Tensor& in : inputs) {
    Edge e;
    if (in.defined()) {
      e.shape = in.shape();
      if (in.requires_grad()) {
        if (in.grad_fn())
          e.fn = in.grad_fn();
        else
          e.leaf = in.impl_ptr();
      }
    }
    node->next_edges.push_back(std::move(e));
  }
  node->output_shape = out.shape();
  node->output_name = out.impl()->name;
  node->output = out.impl_ptr();
  check_anomaly_forward(*node, out, inputs);
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
}

// ---------------------------------------------------------------- SavedTensor
SavedTensor::SavedTensor(const Tensor& t) {
  if (!t.defined()) return;
  data_ = t.detach();
  saved_version_ = t.version();
  name_ = t.impl()->name;
}

Tensor SavedTensor::unpack(const Node& owner) const {
  if (owner.released)
    fail(owner.name(),
         ": trying to backward through the graph a second time (or to read saved "
         "tensors after they were freed). Saved values are freed by backward(); call "
         "backward(dout, /*retain_graph=*/true) the first time to backward twice");
  if (!data_.defined()) fail(owner.name(), ": a saved tensor is missing (internal error)");
  if (data_.version() != saved_version_)
    fail(owner.name(),
         ": one of the tensors needed for gradient computation has been modified by "
         "an inplace operation: ",
         name_.empty() ? std::string("a tensor") : "'" + name_ + "'", " of shape ", data_.shape(),
         " is at version ", data_.version(), "; expected version ", saved_version_, " instead");
  return data_;
}

// ---------------------------------------------------------------- engine
// backward() in two steps, each a function below:
//   1. count_dependencies: walk the graph from the root's node with an
//      explicit stack and count, for each node, the edges that point at it
//      (how many consumers must deliver its gradient before it may run);
//   2. run_ready_queue: run the nodes whose consumers have all delivered,
//      handing each node's input gradients down its edges, until none is left.
// The helpers first: adding up gradients, and one node's turn (run_node).

using DependencyCounts = std::unordered_map<Node*, int>;

// A fresh buffer with g's values (straight into a block from the allocator;
// no std::vector in between, which would cost a second copy).
static Tensor copy_of(const Tensor& g) {
  Tensor copy = empty(g.shape());
  std::copy(g.data(), g.data() + g.numel(), copy.data());
  return copy;
}

static void accumulate_into(Tensor& acc, const Tensor& g) {
  // ASSIGNMENT engine/accumulate_into: begin
  if (!acc.defined()) {
    acc = g;  // first contribution: take it as is (no copy); we own it from here
    return;
  }
  // Out of place: `acc` may alias a gradient some node returned as-is.
  Tensor sum = empty(acc.shape());
  float* s = sum.data();
  const float* a = acc.data();
  const float* p = g.data();
  for (int64_t i = 0, n = sum.numel(); i < n; ++i) s[i] = a[i] + p[i];
  acc = sum;
  // ASSIGNMENT engine/accumulate_into: end
}

// A hook may replace a gradient, but not change its shape: the grad buffer and
// every backward kernel downstream index it by the tensor's own shape.
static void check_hook_result(const Tensor& replaced, const Shape& expected) {
  if (replaced.defined() && replaced.shape() != expected)
    fail("register_hook: a hook on a tensor of shape ", expected, " returned a gradient of shape ",
         replaced.shape(), " (it must keep the shape)");
}

static void accumulate_leaf(const std::shared_ptr<TensorImpl>& leaf, Tensor g) {
  for (auto& hook : leaf->grad_hooks) {
    Tensor replaced = hook(g);
    check_hook_result(replaced, leaf->shape);
    if (replaced.defined()) g = replaced;
  }
  if (!leaf->grad) {
    leaf->grad = copy_of(g).impl_ptr();  // a fresh buffer: later in-place adds must not touch g
  } else {
    float* acc = leaf->grad->storage->data.data();
    const float* p = g.data();
    for (int64_t i = 0, n = g.numel(); i < n; ++i) acc[i] += p[i];
  }
}

// One node's turn, once its gradient `grad` is complete: its hooks, its
// backward (apply), the checks on what apply returned, and, unless the graph
// is retained, freeing the tensors it saved. Returns one gradient per input
// edge, each undefined or of that input's shape.
static std::vector<Tensor> run_node(Node& node, Tensor grad, bool retain_graph) {
  if (node.released)
    fail("backward: trying to backward through the graph a second time (", node.name(),
         " was already freed). Pass retain_graph=true to the first backward() to call it twice");
  for (auto& hook : node.pre_hooks) {
    Tensor replaced = hook(grad);
    check_hook_result(replaced, node.output_shape);
    if (replaced.defined()) grad = replaced;
  }
  std::vector<Tensor> dinputs = node.apply(grad);
  if (dinputs.size() != node.next_edges.size())
    fail(node.name(), ": backward returned ", dinputs.size(), " gradients for ",
         node.next_edges.size(), " inputs");
  check_anomaly_backward(node, dinputs);
  if (!retain_graph) {
    node.release_saved();
    node.released = true;
  }
  for (size_t i = 0; i < dinputs.size(); ++i) {
    const Edge& e = node.next_edges[i];
    const Tensor& g = dinputs[i];
    if (e.valid() && g.defined() && g.shape() != e.shape)
      fail(node.name(), ": backward produced a gradient of shape ", g.shape(), " for input ", i,
           " of shape ", e.shape);
  }
  return dinputs;
}

// Step 1. Every node reachable from `start`, with the number of edges that
// point at it: it may run only after all of them delivered. An explicit
// stack, not recursion: a chain of 100,000 ops would overflow the call stack.
static DependencyCounts count_dependencies(Node* start) {
  // ASSIGNMENT engine/count_dependencies: begin
  DependencyCounts dependencies;
  std::unordered_set<Node*> seen{start};
  std::vector<Node*> stack{start};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const Edge& e : node->next_edges) {
      if (!e.fn) continue;
      Node* child = e.fn.get();
      ++dependencies[child];
      if (seen.insert(child).second) stack.push_back(child);
    }
  }
  return dependencies;
  // ASSIGNMENT engine/count_dependencies: end
}

// Step 2. Run nodes whose consumers have all delivered, passing gradients
// down, from `start` (whose gradient is dout). Among ready nodes the most
// recently created runs first, as in PyTorch.
static void run_ready_queue(Node* start, const Tensor& dout, DependencyCounts& dependencies,
                            bool retain_graph) {
  // ASSIGNMENT engine,attention_runner/run_ready_queue: begin
  std::unordered_map<Node*, Tensor> pending_grads;
  pending_grads[start] = dout;
  // A leaf's gradient is summed over all its incoming edges first, so its
  // hooks see the total once (x * x: once, with 2x), as in PyTorch.
  std::vector<std::shared_ptr<TensorImpl>> leaves;  // in order of first arrival
  std::unordered_map<TensorImpl*, Tensor> leaf_grads;
  auto later_first = [](Node* a, Node* b) { return a->sequence_nr < b->sequence_nr; };
  std::vector<Node*> ready{start};
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), later_first);
    Node* node = ready.back();
    ready.pop_back();
    Tensor grad = std::move(pending_grads[node]);
    pending_grads.erase(node);
    std::vector<Tensor> dinputs = run_node(*node, std::move(grad), retain_graph);

    for (size_t i = 0; i < dinputs.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.valid()) continue;
      const Tensor& g = dinputs[i];
      if (e.leaf) {
        if (!g.defined()) continue;
        auto [it, first] = leaf_grads.try_emplace(e.leaf.get());
        if (first) leaves.push_back(e.leaf);
        accumulate_into(it->second, g);
        continue;
      }
      Node* child = e.fn.get();
      if (g.defined()) accumulate_into(pending_grads[child], g);
      if (--dependencies[child] == 0) {
        // A child that received no gradient at all (every path gave undefined) gets zeros.
        Tensor& pg = pending_grads[child];
        if (!pg.defined()) pg = zeros(e.shape);
        ready.push_back(child);
        std::push_heap(ready.begin(), ready.end(), later_first);
      }
    }
  }
  for (const auto& leaf : leaves) accumulate_leaf(leaf, leaf_grads[leaf.get()]);
  // ASSIGNMENT engine,attention_runner/run_ready_queue: end
}

// The gradient backward starts from: the one given, or 1 for a scalar root.
static Tensor root_gradient(const Tensor& root, const Tensor& droot) {
  if (!root.requires_grad())
    fail("backward: the tensor of shape ", root.shape(),
         " does not require grad and has no grad_fn (did you forget requires_grad=true?)");
  if (!droot.defined()) {
    if (root.numel() != 1)
      fail(
          "backward: grad can be implicitly created only for scalar outputs; this tensor has "
          "shape ",
          root.shape(), ", so pass a gradient of that shape");
    return ones(root.shape());
  }
  if (droot.shape() != root.shape())
    fail("backward: gradient of shape ", droot.shape(), " does not match the tensor's shape ",
         root.shape());
  return droot;
}

void run_backward(const Tensor& root, const Tensor& droot, bool retain_graph) {
  Tensor dout = root_gradient(root, droot);
  NoGradGuard no_grad;   // the backward computation itself records no graph
  if (root.is_leaf()) {  // no node to run: the gradient goes straight into .grad()
    accumulate_leaf(root.impl_ptr(), dout);
    return;
  }
  Node* start = root.grad_fn().get();
  DependencyCounts dependencies = count_dependencies(start);  // 1. who waits for how many
  run_ready_queue(start, dout, dependencies, retain_graph);  // 2. run each node when its turn comes
}

}  // namespace ag
