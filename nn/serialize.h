// nn/serialize.h: a module's state_dict to and from a .safetensors file.
//
// The file holds the dotted names of state_dict() (conv1.conv.weight,
// conv1.bn.num_batches_tracked, ...), so it loads by name on both sides:
//   Python:  model.load_state_dict(safetensors.torch.load_file("net.safetensors"))
//   attograd: load_state_dict_file(net, "net.safetensors")
// Every tensor is written as F32, except num_batches_tracked, written as I64:
// PyTorch keeps it as an int64 scalar and its load_state_dict refuses a float.
#pragma once

#include <string>

#include "nn/module.h"

namespace ag::nn {

// Writes atomically (a crash never leaves a half-written file behind), with
// the metadata {"format": "pt"} that safetensors.torch writes too.
void save_state_dict(const Module& module, const std::string& path);

// Reads the whole file, checks it against the module (missing or unexpected
// keys when strict, any shape mismatch), then copies. Any problem throws an
// ag::Error naming the file, and the module is left unchanged.
LoadResult load_state_dict_file(Module& module, const std::string& path, bool strict = true);

}  // namespace ag::nn
