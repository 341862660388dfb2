#pragma once
// core's precompiled header: the only place LibTorch headers come in. Every core .cpp gets it
// through target_precompile_headers, so none of them includes torch itself.
#include <torch/script.h>
#include <torch/csrc/api/include/torch/utils.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/inliner.h>
