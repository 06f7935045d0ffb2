// nn/module.h: Module, the base of every layer and network.
//
// A Module owns three named lists, filled in its constructor, the way the
// PyTorch C++ frontend does it:
//   register_parameter("weight", ...)   trainable tensors (requires_grad)
//   register_buffer("running_mean", ...) state that is saved but not trained
//   register_module("conv1", ...)        child modules, held by shared_ptr
// register_module returns a ModuleHolder (nn/module_holder.h): a shared_ptr
// that can be called, so a forward reads `out = conv1(x)` as in PyTorch.
// Walking those lists gives PyTorch's dotted names for free
// ("res1.conv1.weight", "conv1.bn.running_mean"), and the dotted names are
// what make a state_dict load by name, in attograd or in PyTorch.
//
// A layer keeps the handles it registers as public members (Linear::weight),
// and since a Tensor is a handle, the member and the registered entry are the
// same tensor. load_state_dict() copies values INTO those tensors, it never
// replaces them, so an optimizer holding the parameters keeps working.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "nn/module_holder.h"

namespace ag::nn {

// An ordered list of (dotted name, tensor); the same layout as ag::io::TensorMap.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using StateDict = NamedTensors;

class Module;
// Called after a module's forward with its inputs and its output, as PyTorch's
// register_forward_hook (the tutorials use one to look at attention maps).
using ForwardHook =
    std::function<void(Module& module, const std::vector<Tensor>& inputs, const Tensor& output)>;

// What load_state_dict(strict=false) found; strict mode throws instead.
struct LoadResult {
  std::vector<std::string> missing_keys;     // in the module, not in the dict
  std::vector<std::string> unexpected_keys;  // in the dict, not in the module
};

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;  // a copy would alias every parameter: forbid it
  Module& operator=(const Module&) = delete;

  // "Conv2d", "AttentionNet": the name printed in the module tree and in errors.
  const std::string& type_name() const { return type_name_; }

  // ---- what a module holds ----
  // Own entries first, then each child's with "child." in front: the order of
  // PyTorch's named_parameters() and state_dict().
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const {
    return children_;
  }
  // This module ("" or prefix) and every descendant, depth first.
  std::vector<std::pair<std::string, Module*>> named_modules(const std::string& prefix = "");
  // The descendant at a dotted path ("res1.conv1"), or ag::Error naming the path.
  Module& submodule(const std::string& path);

  int64_t num_parameters() const;  // total number of trainable scalars

  // ---- modes and gradients ----
  void train(bool on = true);  // recursive, like PyTorch's module.train()
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();  // clears every parameter's .grad() (PyTorch's set_to_none)

  // ---- state_dict ----
  // Parameters and buffers under their dotted names. The tensors share storage
  // with the module's (detached, as PyTorch's keep_vars=false).
  StateDict state_dict() const;
  // Copies every entry into the matching tensor. Checks everything before
  // copying anything: a dict with a missing or unexpected key (strict) or any
  // shape mismatch throws one ag::Error listing all the problems, and the
  // module is left unchanged.
  LoadResult load_state_dict(const StateDict& dict, bool strict = true);

  // ---- printing ----
  // The module tree as PyTorch's repr prints it:
  //   ConvBlock(
  //     (conv): Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  //     ...
  //   )
  std::string str() const;
  // The text inside a leaf's parentheses ("in_features=4, out_features=2, bias=True").
  virtual std::string extra_repr() const { return ""; }

  // ---- hooks ----
  // Returns a handle for remove_forward_hook.
  int register_forward_hook(ForwardHook hook);
  void remove_forward_hook(int handle);

 protected:
  // Register a tensor under `name` (no dots, unique within this module) and
  // return it. A parameter becomes a leaf that requires grad.
  Tensor register_parameter(const std::string& name, Tensor tensor, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor tensor);
  template <class M>
  ModuleHolder<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // Every module's call operator ends here: runs the forward hooks, returns output.
  Tensor finish_forward(const std::vector<Tensor>& inputs, const Tensor& output);

 private:
  void check_new_name(const char* what, const std::string& name) const;
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void collect(const std::string& prefix, bool recurse, bool params, NamedTensors& out) const;
  std::string repr(int indent) const;

  std::string type_name_;
  bool training_ = true;
  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<int, ForwardHook>> hooks_;
  int next_hook_id_ = 0;
};

// A module from one tensor to one tensor: what Sequential can chain.
class UnaryModule : public Module {
 public:
  using Module::Module;
  virtual Tensor forward(const Tensor& x) = 0;
  // Call like PyTorch: y = layer(x) through a ModuleHolder, or (*layer)(x)
  // through a plain pointer. Runs forward, then the forward hooks.
  Tensor operator()(const Tensor& x) { return finish_forward({x}, forward(x)); }
};

std::ostream& operator<<(std::ostream& os, const Module& module);

// Helpers for extra_repr(), so the tree reads exactly like PyTorch's:
// a float as Python's repr prints it (1e-05, 0.1, 1.0), a bool as True/False,
// a pair as (3, 3).
std::string py_float(double value);
inline const char* py_bool(bool value) { return value ? "True" : "False"; }
std::string py_pair(int64_t a, int64_t b);

}  // namespace ag::nn
