// nn/module_holder.cpp: the error an empty ModuleHolder throws.
#include "nn/module_holder.h"

#include <cxxabi.h>

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace ag::nn {

// "ag::nn::Conv2d" -> "Conv2d"; a module of another namespace keeps it
// ("tut::DecoderLayer"). typeid's raw name is mangled ("N2ag2nn6Conv2dE"); the
// C++ ABI's demangler, shipped with both g++ and clang, turns it back into C++.
static std::string module_type_name(const std::type_info& type) {
  int status = 0;
  char* readable = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && readable ? readable : type.name();
  std::free(readable);
  const std::string ours = "ag::nn::";
  if (name.rfind(ours, 0) == 0) name.erase(0, ours.size());
  return name;
}

void fail_empty_holder(const std::type_info& type, const char* action) {
  const std::string name = module_type_name(type);
  fail(name, ": ", action, " an empty ModuleHolder<", name,
       "> (no module was assigned to it); assign one first, as in "
       "m = register_module(\"m\", std::make_shared<",
       name, ">(...))");
}

}  // namespace ag::nn
