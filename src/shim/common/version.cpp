#include "common/version.hpp"

#ifndef KC_SHIM_VERSION
#error "KC_SHIM_VERSION is set by src/shim/CMakeLists.txt"
#endif

namespace kinde_claims::shim {

const char *shim_version() {
    return KC_SHIM_VERSION;
}

}  // namespace kinde_claims::shim
