// core/ag.h: everything in attograd's core, for programs and tests.
#pragma once

#include "core/autograd.h"
#include "core/error.h"
#include "core/gradcheck.h"
#include "core/kernels/gemm.h"
#include "core/kernels/parallel.h"
#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/embedding.h"
#include "core/ops/loss.h"
#include "core/ops/matmul.h"
#include "core/ops/norm.h"
#include "core/ops/pool.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/softmax.h"
#include "core/tensor.h"
