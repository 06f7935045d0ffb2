// nn/module_holder.h: ModuleHolder<M>, a shared_ptr to a module that can be called.
//
// A network keeps its children as shared pointers (a child registered with
// register_module is owned by its parent's list and by the member), and a
// plain std::shared_ptr has no call operator, so a call would read
// `(*conv1)(x)`. A ModuleHolder IS a std::shared_ptr<M> with one thing added,
// the call, so the document's `self.conv1(x)` reads as it does in PyTorch:
//
//   ModuleHolder<Conv2d> conv1;                      // empty until assigned
//   conv1 = register_module("conv1", std::make_shared<Conv2d>(3, 64, 3));
//   Tensor out = conv1(x);                           // (*conv1)(x): forward + hooks
//   conv1->weight;                                   // the module's members, as before
//
// Everything a shared_ptr does still works (copy, compare with nullptr,
// `if (shortcut)`, pass it where a std::shared_ptr<M> or a shared_ptr to a
// base class is expected, dynamic_pointer_cast). PyTorch's torch::nn::Linear
// plays the same part for LinearImpl; here there is no Impl class, the holder
// wraps the module class itself.
//
// An empty holder (never assigned, or a null pointer) throws an ag::Error
// naming the module type when it is called or dereferenced, instead of
// crashing: "Conv2d: called an empty ModuleHolder<Conv2d> ...".
//
// In gdb, `step` on `conv1(x)` enters operator() below and its null check
// (module()), then the module's own operator() and its forward; a backtrace
// from inside the forward shows one extra frame, ModuleHolder<Conv2d>::operator().
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <typeinfo>
#include <utility>

namespace ag::nn {

// Throws the ag::Error for an empty holder of `type` (in module.cpp, so the
// template stays one line per member). action: "called" or "dereferenced".
[[noreturn]] void fail_empty_holder(const std::type_info& type, const char* action);

template <class M>
class ModuleHolder : public std::shared_ptr<M> {
 public:
  ModuleHolder() = default;  // empty: assign a module before calling it
  ModuleHolder(std::nullptr_t) {}
  // From std::make_shared<M>(...), register_module(...), or a shared_ptr to a
  // class derived from M (a Conv2d into a ModuleHolder<UnaryModule>).
  template <class Derived>
  requires std::convertible_to<Derived*, M*> ModuleHolder(std::shared_ptr<Derived> module)
      : std::shared_ptr<M>(std::move(module)) {}

  // conv1(x) is (*conv1)(x): the module's operator(), so its forward hooks run.
  // Any arguments are passed on unchanged (MultiheadAttention takes several;
  // every module's operator() takes them by const reference or by value).
  template <class... Args>
  decltype(auto) operator()(const Args&... args) const {
    return module()(args...);
  }

  // What std::shared_ptr gives, but an empty holder throws instead of crashing.
  M* operator->() const { return &module("dereferenced"); }
  M& operator*() const { return module("dereferenced"); }

 private:
  M& module(const char* action = "called") const {
    M* held = this->get();
    if (!held) fail_empty_holder(typeid(M), action);
    return *held;
  }
};

}  // namespace ag::nn
