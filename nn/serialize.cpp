// nn/serialize.cpp: state_dict <-> safetensors, on top of core/io.
#include "nn/serialize.h"

#include <set>

#include "core/io/safetensors.h"

namespace ag::nn {

static bool is_integer_buffer(const std::string& key) {
  const std::string suffix = "num_batches_tracked";
  return key.size() >= suffix.size() &&
         key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         (key.size() == suffix.size() || key[key.size() - suffix.size() - 1] == '.');
}

void save_state_dict(const Module& module, const std::string& path) {
  StateDict dict = module.state_dict();
  std::set<std::string> int64_names;
  for (const auto& entry : dict)
    if (is_integer_buffer(entry.first)) int64_names.insert(entry.first);
  io::save_safetensors(path, dict, {{"format", "pt"}}, int64_names);
}

LoadResult load_state_dict_file(Module& module, const std::string& path, bool strict) {
  io::TensorMap dict = io::load_safetensors(path);  // names the file in its own errors
  try {
    return module.load_state_dict(dict, strict);
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
}

}  // namespace ag::nn
