// core/autograd.h: the reverse-mode engine.
//
// Every differentiable op that runs with grad enabled on an input that
// requires grad creates a Node: a small struct named after the op
// (MulBackward, SoftmaxBackward, ...) whose apply() turns the gradient of the
// op's output into gradients of its inputs. The Node points at its inputs
// through Edges (to the input's grad_fn, or to a leaf tensor that accumulates
// .grad()); it never points at its own output, so the graph has no cycles and
// is freed as soon as the last tensor referring to it is.
//
// backward() visits the graph without recursion: an explicit stack finds the
// nodes, dependency counts order them, and a map holds the partial gradient
// of each node until all its consumers have contributed (run_backward in
// autograd.cpp: count_dependencies, then run_ready_queue).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ag {

// Where the gradient of one input goes: into the Node that produced it, or
// (for a leaf that requires grad) straight into that tensor's .grad().
struct Edge {
  std::shared_ptr<Node> fn;
  std::shared_ptr<TensorImpl> leaf;
  Shape shape;  // the input's shape: the engine checks each gradient against it
  bool valid() const { return fn || leaf; }
};

// A tensor kept for backward. It holds the data only (no grad_fn, so no
// cycle, as PyTorch's SavedVariable) and the version at which it was saved.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t);
  // The saved data; throws if it was freed by backward or changed in place since.
  Tensor unpack(const Node& owner) const;
  bool defined() const { return data_.defined(); }
  void reset() { data_ = Tensor(); }

 private:
  Tensor data_;
  uint64_t saved_version_ = 0;
  std::string name_;
};

struct Node {
  std::vector<Edge> next_edges;  // one per differentiable input, in input order
  // Hooks on the gradient arriving at this node's output (Tensor::register_hook
  // on a non-leaf installs one here, as PyTorch does).
  std::vector<std::function<Tensor(const Tensor&)>> pre_hooks;
  bool released = false;    // saved tensors freed by a backward without retain_graph
  bool is_view = false;     // the output shares its one input's storage (reshape and friends)
  uint64_t sequence_nr;     // creation order: later nodes run first on ties
  std::string output_name;  // the output tensor's name when it had one (errors, graphs)
  Shape output_shape;
  // The output itself, for drawings only (to_dot's values): weak, so a node
  // never keeps its output alive (the output owns the node, not the reverse).
  std::weak_ptr<TensorImpl> output;
  std::string anomaly_inputs;  // filled only in anomaly mode: "'x' [2, 3], 'w' [3, 4]"

  Node();
  virtual ~Node();  // iterative: dropping a 100,000-node chain does not recurse
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // dout has the shape of this node's output. Returns one gradient per entry of
  // next_edges (an undefined Tensor where an input gets none).
  virtual std::vector<Tensor> apply(const Tensor& dout) = 0;
  virtual std::string name() const = 0;
  // Drop the tensors saved for backward (called after backward unless retained).
  virtual void release_saved() {}
};

// ---- grad mode ----
bool grad_enabled();
// While alive, ops record no graph (optimizer steps, evaluation), like torch.no_grad().
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};
// While alive, ops record a graph again, even inside a NoGradGuard, like
// torch.enable_grad() (a view rebuilds its history this way whenever asked).
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

// ---- helpers for writing ops ----
// True when grad mode is on and some input requires grad: the op must record a Node.
bool needs_grad(std::initializer_list<Tensor> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);
// Connect `node` to its inputs (one Edge each, in order) and make it out's grad_fn.
void attach(Tensor& out, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs);

// The engine. Tensor::backward() calls this.
void run_backward(const Tensor& root, const Tensor& droot, bool retain_graph);

// In-place writes (commit_inplace, begin_inplace / end_inplace) and the
// history of views: core/inplace_history.h.

}  // namespace ag
