# mk/arm64.mk: the library, the suite and the tutorials for Linux on arm64
# (aarch64), cross-built here and run under qemu's user-mode emulator.
#
#   make test-arm64      cross-build into build/arm64/ and run the whole suite under qemu-aarch64
#   make test-arm64 ARM64_SUITES="core.*,kernels.*"   only those suites (doctest's -ts)
#   make test-arm64-ci   CI's share: the kernels and the core ops they serve, a suite program of its own
#
# Debian's g++-aarch64-linux-gnu compiles for a generic armv8-a (no
# -march=native: the target is not this machine; NEON is part of every
# armv8-a, so the kernels still get their 4-lane vectors, simd.h). qemu-user
# runs the result: `qemu-aarch64 -L /usr/aarch64-linux-gnu` finds the arm64
# libc and libstdc++ there. As root the two packages are installed when
# missing, like doctest. Emulation is 10-30x slower than the real CPU: the
# run checks that arm64 computes the same numbers, never how fast.
# The library at -O3 (as release builds it), the suite at -Og: the same OPT
# and TEST_OPT as mk/flags.mk, minus -march=native.

ARM64_CXX    ?= $(if $(shell command -v ccache),ccache )aarch64-linux-gnu-g++
ARM64_BUILD  ?= build/arm64
ARM64_SYSROOT = /usr/aarch64-linux-gnu
ARM64_SUITES ?=
ARM64_TUTS   := $(TUT_SRCS:tutorials/%.cpp=$(ARM64_BUILD)/tutorials/%)
# What the make that builds for arm64 (this Makefile again) is given: the
# cross tools. ($(MAKE) itself is written in each recipe: make -n runs a
# sub-make's dry run only when it sees $(MAKE) there.)
ARM64_VARS    = BUILD=$(ARM64_BUILD) CXX="$(ARM64_CXX)" AR=aarch64-linux-gnu-ar \
                NATIVE_FLAG= DOCTEST_CFLAGS=-I$(ARM64_BUILD)/include
ARM64_RUN     = qemu-aarch64 -L $(ARM64_SYSROOT)

.PHONY: test-arm64 test-arm64-ci arm64-tools
arm64-tools:
	@command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || \
	  { $(call install_or_say,g++-aarch64-linux-gnu,the arm64 cross-compiler,none); }
	@command -v qemu-aarch64 >/dev/null 2>&1 || { $(call install_or_say,qemu-user,qemu-aarch64,none); }

# doctest is one header: the cross-compiler does not search the host's
# /usr/include (its glibc is the host's), so the build gets a folder that holds
# only doctest, found where the host compiler finds it.
$(ARM64_BUILD)/include/doctest/doctest.h:
	@mkdir -p $(dir $@)
	@for d in /usr/include /opt/homebrew/include /usr/local/include; do \
	  if [ -f $$d/doctest/doctest.h ]; then cp $$d/doctest/doctest.h $@.tmp && mv $@.tmp $@; exit 0; fi; \
	done; echo "doctest is missing (make doctest)"; exit 1

# The whole suite. Nothing is left out by name: the test cases that cannot
# run under qemu-user find out for themselves and say "skipped: " and why
# (tests/helpers/platform.h). Those that start this build's own programs (the
# graders, the judge's runners, the sandbox's probes, the tutorials) need the
# host kernel to hand arm64 programs to qemu (binfmt_misc), which a container
# lacks: their exec fails with "Exec format error". Those that run make
# targets (grade-all, handout, the tutorials' suggestions) or link a program
# for gdb would build the host's tree, not this one.
test-arm64: arm64-tools doctest $(ARM64_BUILD)/include/doctest/doctest.h
	$(MAKE) $(ARM64_VARS) $(ARM64_BUILD)/tests $(ARM64_TUTS)
	$(ARM64_RUN) ./$(ARM64_BUILD)/tests $(if $(ARM64_SUITES),-ts="$(ARM64_SUITES)") $(TEST_ARGS)

# CI's share (.ci/run), sized for a CI job: a suite program of its own,
# tests-ci, linked from the library and only the test files below, so the
# cross-build compiles the library and a fifth of the suite. Every fast
# kernel against its naive twin (tests/kernels/: NEON's micro-tile among
# them) and the ops the network runs on them, with their gradchecks: the
# suites kernels.*, core.matmul, core.softmax, core.conv, core.norm and
# core.autograd, whole (the files below are every file that holds them).
# Measured cold (ARM64_CXX=aarch64-linux-gnu-g++, an empty build folder, 2
# idle cores): 126 compiles and the run, 164 cases passed, in 2 min 38 s of
# wall time. The whole suite (test-arm64) is 307 compiles and about 16
# minutes under qemu: README.md.
ARM64_CI_TESTS := tests/main.cpp tests/helpers/platform.cpp $(wildcard tests/kernels/test_*.cpp) \
  $(addprefix tests/core/test_,$(addsuffix .cpp,matmul bmm_options baddbmm_broadcast softmax \
    conv conv1d conv_same norm group_norm autograd autograd_views))
$(BUILD)/tests-ci: $(ARM64_CI_TESTS:%.cpp=$(BUILD)/obj/%.o) $(LIB)
	$(CXX) $^ $(LDFLAGS) -o $@

test-arm64-ci: arm64-tools doctest $(ARM64_BUILD)/include/doctest/doctest.h
	$(MAKE) $(ARM64_VARS) $(ARM64_BUILD)/tests-ci
	$(ARM64_RUN) ./$(ARM64_BUILD)/tests-ci $(TEST_ARGS)
