// nn/nn.h: everything in attograd's nn room, for programs and tests.
#pragma once

#include "nn/attention.h"
#include "nn/init.h"
#include "nn/layers/activation.h"
#include "nn/layers/conv.h"
#include "nn/layers/linear.h"
#include "nn/layers/norm.h"
#include "nn/layers/pool.h"
#include "nn/layers/sequential.h"
#include "nn/models/attention_net.h"
#include "nn/module.h"
#include "nn/serialize.h"
