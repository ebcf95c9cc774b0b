# Installation of libsparsa, libsparsa_runtime, the public headers, the
# tools, a CMake package (find_package(sparsa CONFIG): sparsa::sparsa and
# sparsa::runtime) and pkg-config files (sparsa.pc, sparsa-runtime.pc).
include(CMakePackageConfigHelpers)

# Installed binaries find each other through $ORIGIN and libMLIR.so through
# LLVM's library directory (not on the default loader path on Debian).
set(SPARSA_INSTALL_RPATH
  "$ORIGIN/../${CMAKE_INSTALL_LIBDIR};${LLVM_LIBRARY_DIR}")
set_target_properties(sparsa sparsa_runtime PROPERTIES
  INSTALL_RPATH "${SPARSA_INSTALL_RPATH}")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sparsa
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sparsa
  FILES_MATCHING PATTERN "*.h")

install(TARGETS sparsa sparsa_runtime
  EXPORT sparsaTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sparsa
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sparsa
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT sparsa
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

foreach(tool sparsac sparsa-opt)
  if(TARGET ${tool})
    set_target_properties(${tool} PROPERTIES
      INSTALL_RPATH "${SPARSA_INSTALL_RPATH}")
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
      COMPONENT sparsa)
  endif()
endforeach()

set(SPARSA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sparsa)
install(EXPORT sparsaTargets
  NAMESPACE sparsa::
  DESTINATION ${SPARSA_CMAKE_DIR} COMPONENT sparsa)
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/sparsaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/sparsaConfig.cmake
  INSTALL_DESTINATION ${SPARSA_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/sparsaConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/sparsaConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/sparsaConfigVersion.cmake
  DESTINATION ${SPARSA_CMAKE_DIR} COMPONENT sparsa)

# pkg-config: paths relative to ${prefix} so the tree can be relocated.
foreach(pc sparsa sparsa-runtime)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in
    ${PROJECT_BINARY_DIR}/cmake/${pc}.pc.configured @ONLY)
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/cmake/${pc}.pc
    INPUT ${PROJECT_BINARY_DIR}/cmake/${pc}.pc.configured)
  install(FILES ${PROJECT_BINARY_DIR}/cmake/${pc}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT sparsa)
endforeach()
