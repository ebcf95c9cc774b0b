# -*- Python -*-
# lit configuration of the sparsa test suite.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SPARSA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".sparsa", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sparsa_obj_root, "test")
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py",
                   "lit.site.cfg.py", "Inputs", "unit"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%sparsa_src", config.sparsa_src_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.sparsa_tools_dir, append_path=True)

tool_dirs = [config.sparsa_tools_dir, config.llvm_tools_dir]
tools = ["sparsa-opt", "sparsac"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# GPU execution tests need a CUDA driver and a device.
if shutil.which("nvidia-smi") and os.path.exists("/dev/nvidia0"):
    config.available_features.add("cuda")
if shutil.which("ptxas") or os.path.exists("/usr/local/cuda/bin/ptxas"):
    config.available_features.add("ptxas")
config.substitutions.append(
    ("%ptxas", shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"))
if config.sparsa_sanitize:
    config.available_features.add("sanitize")
    # libMLIR.so is not instrumented: LLVM's BumpPtrAllocator poisons slab
    # memory in our (instrumented) inline copies that the library's copies
    # then use legitimately, so manual poisoning is turned off.
    config.environment["ASAN_OPTIONS"] = \
        "allow_user_poisoning=0:detect_leaks=1:abort_on_error=1"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
