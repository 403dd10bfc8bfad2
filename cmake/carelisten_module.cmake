# carelisten_module(NAME <name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
#
# One CMake target per module, aliased carelisten::<name>. A module's include/ directory is PUBLIC and
# its src/ PRIVATE, so a module sees only the headers of the targets it links: that is how the build
# enforces the layering in shared/DESIGN.md (nlp and connectors never see crm).
function(carelisten_apply_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wconversion
                                           -Wno-sign-conversion
                                           -Wno-missing-field-initializers)  # designated initializers may omit defaulted members
  if(CARELISTEN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # RapidJSON 1.1's member iterators compare with a non-symmetric operator== that C++20 reversal makes
    # ambiguous under clang; the comparison itself is correct.
    target_compile_options(${target} PRIVATE -Wno-ambiguous-reversed-operator)
  endif()
  if(CARELISTEN_SANITIZE)
    # GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ (std::function in std::regex) when
    # sanitizers instrument -O2 code (GCC bug 105562 and friends); the plain build keeps the warning.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

function(carelisten_module)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(carelisten::${ARG_NAME} ALIAS ${ARG_NAME})
  target_include_directories(${ARG_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                          PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  carelisten_apply_warnings(${ARG_NAME})
endfunction()
