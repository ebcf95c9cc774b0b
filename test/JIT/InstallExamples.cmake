# Installs sparsa from a build tree into a fresh prefix and builds and runs
# examples/ against it exactly as a user's project would (find_package with
# CMAKE_PREFIX_PATH), then compiles the C example once more through
# pkg-config. Run by ctest as `cmake -D... -P InstallExamples.cmake`.
#   BUILD_DIR   the sparsa build tree     SOURCE_DIR  the sparsa sources
#   WORK_DIR    scratch directory         C_COMPILER / CXX_COMPILER
foreach(v BUILD_DIR SOURCE_DIR WORK_DIR C_COMPILER CXX_COMPILER)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "InstallExamples.cmake needs -D${v}=...")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
    --component sparsa)
foreach(f include/sparsa/Compiler.h include/sparsa/c/sparsa.h
    lib/cmake/sparsa/sparsaConfig.cmake lib/pkgconfig/sparsa.pc
    lib/pkgconfig/sparsa-runtime.pc bin/sparsac bin/sparsa-opt)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples -B ${WORK_DIR}/build
    -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR}/build --output-on-failure
    -V)

# pkg-config, with only the runtime: the C example needs no MLIR headers.
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
  execute_process(COMMAND ${PKG_CONFIG} --cflags --libs sparsa-runtime
    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config sparsa-runtime failed")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(${C_COMPILER} ${SOURCE_DIR}/examples/aot_link/aot_link.c ${flags} -lm
      -o ${WORK_DIR}/aot_link_pc)
  run(${WORK_DIR}/aot_link_pc ${WORK_DIR}/build/sliding_window.so)
endif()
message(STATUS "examples built and passed against ${prefix}")
