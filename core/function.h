// core/function.h: write your own differentiable op, like torch.autograd.Function.
//
// You write a struct with two static functions and a name:
//
//   struct Swish {                       // y = x * sigmoid(x)
//     static constexpr const char* name = "Swish";
//     static ag::Tensor forward(ag::FunctionCtx& ctx, const std::vector<ag::Tensor>& in) {
//       ctx.save_for_backward({in[0]});
//       return in[0] * ag::sigmoid(in[0]);
//     }
//     static std::vector<ag::Tensor> backward(ag::FunctionCtx& ctx, const ag::Tensor& dout) {
//       ag::Tensor x = ctx.saved()[0], s = ag::sigmoid(x);
//       return {dout * (s + x * s * (1.0f - s))};   // d/dx [x σ(x)] = σ + x σ (1 − σ)
//     }
//   };
//   ag::Tensor y = ag::apply_function<Swish>({x});
//
// forward runs with grad mode off (its inner ops record nothing), and its result
// joins the graph as ONE node whose backward is yours. `break Swish::backward`
// in gdb stops in your code. Check it with ag::gradcheck.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/autograd.h"

namespace ag {

// What forward leaves for backward: saved tensors (version-checked like any
// op's) and any plain numbers you need.
class FunctionCtx {
 public:
  void save_for_backward(const std::vector<Tensor>& tensors) {
    saved_.clear();
    for (const Tensor& t : tensors) saved_.emplace_back(t);
  }
  // The saved tensors, checked: throws if backward already freed them or one
  // was modified in place after it was saved.
  std::vector<Tensor> saved() const {
    std::vector<Tensor> out;
    for (const SavedTensor& s : saved_) out.push_back(s.unpack(*owner_));
    return out;
  }
  std::vector<float> values;  // free-form scalars (e.g. an exponent)
  std::vector<bool> needs_input_grad;

 private:
  template <class F>
  friend struct FunctionNode;
  template <class F>
  friend Tensor apply_function(const std::vector<Tensor>&);
  std::vector<SavedTensor> saved_;
  const Node* owner_ = nullptr;
};

template <class F>
struct FunctionNode : Node {
  FunctionCtx ctx;
  std::string name() const override {
    if constexpr (requires { F::name; })
      return std::string(F::name) + "Backward";
    else
      return "CustomFunctionBackward";
  }
  std::vector<Tensor> apply(const Tensor& dout) override {
    std::vector<Tensor> grads = F::backward(ctx, dout);
    if (grads.size() != next_edges.size())
      fail(name(), ": backward returned ", grads.size(), " gradients but forward had ",
           next_edges.size(), " inputs");
    return grads;
  }
  void release_saved() override { ctx.saved_.clear(); }
};

template <class F>
Tensor apply_function(const std::vector<Tensor>& inputs) {
  auto node = std::make_shared<FunctionNode<F>>();
  node->ctx.owner_ = node.get();
  for (const Tensor& t : inputs)
    node->ctx.needs_input_grad.push_back(t.defined() && t.requires_grad());
  Tensor out;
  {
    NoGradGuard no_grad;  // the forward's inner ops are not part of the graph
    std::vector<Tensor> detached;
    for (const Tensor& t : inputs) detached.push_back(t.defined() ? t.detach() : t);
    out = F::forward(node->ctx, detached);
  }
  if (!out.defined()) fail("apply_function: forward returned an undefined tensor");
  if (out.requires_grad() || out.grad_fn()) out = out.detach();
  if (needs_grad(inputs)) attach(out, node, inputs);
  return out;
}

}  // namespace ag
