#pragma once
// GMime keeps process-wide tables (charset maps, the iconv cache) that g_mime_init sets up.

namespace ccd::channels::email {

/// Initialises GMime once per process; safe to call from any thread, any number of times.
/// GMime is never shut down: a parse may be running on another thread at exit.
void ensureGMimeInitialised();

}  // namespace ccd::channels::email
