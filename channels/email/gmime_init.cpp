#include "channels/email/gmime_init.hpp"

#include <gmime/gmime.h>

#include <mutex>

namespace ccd::channels::email {

void ensureGMimeInitialised() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

}  // namespace ccd::channels::email
