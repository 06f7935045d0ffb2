// nn/module.cpp: registration, the dotted-name walk, state_dict, printing.
#include "nn/module.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <set>

#include "core/autograd.h"

namespace ag::nn {

// ---------------------------------------------------------------- registration
void Module::check_new_name(const char* what, const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    fail(type_name_, ".", what, ": name \"", name, "\" must be non-empty and contain no '.'");
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    fail(type_name_, ".", what, ": the name \"", name, "\" is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool requires_grad) {
  check_new_name("register_parameter", name);
  if (!tensor.defined()) fail(type_name_, ".register_parameter: \"", name, "\" is undefined");
  if (!tensor.is_leaf()) tensor = tensor.detach();  // a parameter is a leaf, like nn.Parameter
  tensor.requires_grad_(requires_grad);
  parameters_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  check_new_name("register_buffer", name);
  if (!tensor.defined()) fail(type_name_, ".register_buffer: \"", name, "\" is undefined");
  buffers_.emplace_back(name, tensor);
  return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name("register_module", name);
  if (!module) fail(type_name_, ".register_module: \"", name, "\" is null");
  children_.emplace_back(name, std::move(module));
}

// ---------------------------------------------------------------- the walk
// Own entries first, then the children's: PyTorch's order.
void Module::collect(const std::string& prefix, bool recurse, bool params,
                     NamedTensors& out) const {
  for (const auto& [name, t] : params ? parameters_ : buffers_) out.emplace_back(prefix + name, t);
  if (!recurse) return;
  for (const auto& [name, child] : children_)
    child->collect(prefix + name + ".", true, params, out);
}

// A tensor reachable under two names (a shared layer) is listed once, as in
// PyTorch, so an optimizer never updates it twice.
static NamedTensors without_duplicates(NamedTensors all) {
  std::set<const TensorImpl*> seen;
  NamedTensors out;
  for (auto& entry : all)
    if (seen.insert(entry.second.impl()).second) out.push_back(std::move(entry));
  return out;
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors all;
  collect("", recurse, true, all);
  return without_duplicates(std::move(all));
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors all;
  collect("", recurse, false, all);
  return without_duplicates(std::move(all));
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& entry : named_parameters(recurse)) out.push_back(entry.second);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& entry : named_buffers(recurse)) out.push_back(entry.second);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules(const std::string& prefix) {
  std::vector<std::pair<std::string, Module*>> out{{prefix, this}};
  for (auto& [name, child] : children_) {
    auto below = child->named_modules(prefix.empty() ? name : prefix + "." + name);
    out.insert(out.end(), below.begin(), below.end());
  }
  return out;
}

Module& Module::submodule(const std::string& path) {
  for (auto& [name, module] : named_modules())
    if (name == path) return *module;
  fail(type_name_, ".submodule: no submodule named \"", path, "\"");
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& t : parameters()) n += t.numel();
  return n;
}

// ---------------------------------------------------------------- modes
void Module::train(bool on) {
  training_ = on;
  for (auto& entry : children_) entry.second->train(on);
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.zero_grad();
}

// ---------------------------------------------------------------- state_dict
StateDict Module::state_dict() const {
  StateDict out;
  // Per module: parameters, then buffers, then the children (PyTorch's order).
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m,
                                                                    const std::string& prefix) {
    for (const auto& [name, t] : m.parameters_) out.emplace_back(prefix + name, t.detach());
    for (const auto& [name, t] : m.buffers_) out.emplace_back(prefix + name, t.detach());
    for (const auto& [name, child] : m.children_) walk(*child, prefix + name + ".");
  };
  walk(*this, "");
  return out;
}

static std::string quoted_list(const std::vector<std::string>& keys) {
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
  return s;
}

LoadResult Module::load_state_dict(const StateDict& dict, bool strict) {
  StateDict mine = state_dict();
  LoadResult result;
  std::vector<std::string> problems;  // shape mismatches and repeated keys: always errors
  std::vector<const Tensor*> source(mine.size(), nullptr);
  std::set<std::string> seen;
  for (const auto& entry : dict) {
    const std::string& key = entry.first;  // (not a structured binding: lambdas capture it below)
    const Tensor& value = entry.second;
    if (!seen.insert(key).second) {
      problems.push_back("key \"" + key + "\" appears more than once in the state_dict");
      continue;
    }
    auto it = std::find_if(mine.begin(), mine.end(), [&](const auto& e) { return e.first == key; });
    if (it == mine.end()) {
      result.unexpected_keys.push_back(key);
    } else if (!value.defined() || value.shape() != it->second.shape()) {
      problems.push_back(message("size mismatch for ", key, ": copying a param with shape ",
                                 value.defined() ? shape_str(value.shape()) : "(undefined)",
                                 " from checkpoint, the shape in current model is ",
                                 it->second.shape(), "."));
    } else {
      source[it - mine.begin()] = &value;
    }
  }
  for (size_t i = 0; i < mine.size(); ++i)
    if (!source[i] && !seen.count(mine[i].first)) result.missing_keys.push_back(mine[i].first);

  // PyTorch's message layout: one line per kind of problem.
  std::string report;
  if (strict && !result.missing_keys.empty())
    report += "\n  Missing key(s) in state_dict: " + quoted_list(result.missing_keys) + ".";
  if (strict && !result.unexpected_keys.empty())
    report += "\n  Unexpected key(s) in state_dict: " + quoted_list(result.unexpected_keys) + ".";
  for (const auto& p : problems) report += "\n  " + p;
  if (!report.empty())
    fail("load_state_dict: Error(s) in loading state_dict for ", type_name_, ":", report);

  // All checked: now copy. Parameters are leaves that require grad, so the
  // write happens with grad mode off; bumping the version makes any graph
  // that saved the old values refuse to backpropagate through them.
  NoGradGuard no_grad;
  for (size_t i = 0; i < mine.size(); ++i) {
    if (!source[i]) continue;
    Tensor target = mine[i].second;
    const float* from = source[i]->data();
    std::copy(from, from + target.numel(), target.data());
    target.bump_version();
  }
  return result;
}

// ---------------------------------------------------------------- printing
std::string Module::repr(int indent) const {
  const std::string pad(indent + 2, ' ');
  std::string extra = extra_repr();
  std::string s = type_name_ + "(";
  if (children_.empty()) return s + extra + ")";
  if (!extra.empty()) s += "\n" + pad + extra;
  for (const auto& [name, child] : children_)
    s += "\n" + pad + "(" + name + "): " + child->repr(indent + 2);
  return s + "\n" + std::string(indent, ' ') + ")";
}

std::string Module::str() const { return repr(0); }

std::ostream& operator<<(std::ostream& os, const Module& module) { return os << module.str(); }

// ---------------------------------------------------------------- hooks
int Module::register_forward_hook(ForwardHook hook) {
  hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

void Module::remove_forward_hook(int handle) {
  auto it =
      std::find_if(hooks_.begin(), hooks_.end(), [&](const auto& h) { return h.first == handle; });
  if (it == hooks_.end()) fail(type_name_, ".remove_forward_hook: no hook with handle ", handle);
  hooks_.erase(it);
}

Tensor Module::finish_forward(const std::vector<Tensor>& inputs, const Tensor& output) {
  // Copy first: a hook may remove itself while running.
  auto hooks = hooks_;
  for (auto& entry : hooks) entry.second(*this, inputs, output);
  return output;
}

// ---------------------------------------------------------------- repr helpers
// Python prints the shortest text that reads back as the same number.
std::string py_float(double value) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (static_cast<float>(std::strtod(buf, nullptr)) == static_cast<float>(value)) break;
  }
  std::string s = buf;
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";  // 1 -> 1.0, as Python
  return s;
}

std::string py_pair(int64_t a, int64_t b) { return message("(", a, ", ", b, ")"); }

}  // namespace ag::nn
